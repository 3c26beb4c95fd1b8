#include "cbor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

namespace concur::mp::wire {
namespace {

using nlohmann::json;

// A head: the major type (top three bits) and an argument in the fewest bytes.
void head(std::string& out, std::uint8_t major, std::uint64_t n) {
  const auto put = [&](int bytes) {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  };
  if (n <= 0x17) {
    out.push_back(static_cast<char>(major | n));
  } else if (n <= 0xFF) {
    out.push_back(static_cast<char>(major | 0x18));
    put(1);
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(major | 0x19));
    put(2);
  } else if (n <= 0xFFFFFFFF) {
    out.push_back(static_cast<char>(major | 0x1A));
    put(4);
  } else {
    out.push_back(static_cast<char>(major | 0x1B));
    put(8);
  }
}

template <typename T>
void big_endian(std::string& out, T value) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  for (std::size_t i = sizeof(T); i-- > 0;) out.push_back(static_cast<char>(bytes[i]));
}

// What nlohmann writes in its own way (NaN and infinities as half floats, binary with a
// subtype as a tag, a discarded value as nothing): written by nlohmann.
void nlohmanns(const json& value, std::string& out) { json::to_cbor(value, out); }

}  // namespace

void append_cbor(const json& value, std::string& out) {
  switch (value.type()) {
    case json::value_t::null: out.push_back(static_cast<char>(0xF6)); return;
    case json::value_t::boolean: out.push_back(static_cast<char>(value.get<bool>() ? 0xF5 : 0xF4)); return;
    case json::value_t::number_unsigned: head(out, 0x00, value.get<std::uint64_t>()); return;
    case json::value_t::number_integer: {
      const auto n = value.get<std::int64_t>();
      if (n >= 0) head(out, 0x00, static_cast<std::uint64_t>(n));
      else head(out, 0x20, static_cast<std::uint64_t>(-(n + 1)));
      return;
    }
    case json::value_t::number_float: {
      const double d = value.get<double>();
      if (!std::isfinite(d)) return nlohmanns(value, out);
      // As float32 when that loses nothing, as nlohmann does.
      if (d >= std::numeric_limits<float>::lowest() && d <= std::numeric_limits<float>::max() &&
          static_cast<double>(static_cast<float>(d)) == d) {
        out.push_back(static_cast<char>(0xFA));
        big_endian(out, static_cast<float>(d));
      } else {
        out.push_back(static_cast<char>(0xFB));
        big_endian(out, d);
      }
      return;
    }
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      head(out, 0x60, s.size());
      out.append(s);
      return;
    }
    case json::value_t::array:
      head(out, 0x80, value.size());
      for (const json& element : value) append_cbor(element, out);
      return;
    case json::value_t::object:
      head(out, 0xA0, value.size());
      for (const auto& [key, element] : value.items()) {
        head(out, 0x60, key.size());
        out.append(key);
        append_cbor(element, out);
      }
      return;
    case json::value_t::binary: {
      const auto& b = value.get_binary();
      if (b.has_subtype()) return nlohmanns(value, out);
      head(out, 0x40, b.size());
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return;
    }
    case json::value_t::discarded: return nlohmanns(value, out);
  }
}

void append_cbor_object(std::span<const std::pair<std::string_view, json>> fields, std::string& out) {
  // An object's keys are a std::map's, in order and each once: sort a list of the fields
  // (stable, so of two equal keys the first stays first), then skip repeats.
  constexpr std::size_t kFew = 16;
  const std::pair<std::string_view, json>* few[kFew];
  std::vector<const std::pair<std::string_view, json>*> many;
  std::span<const std::pair<std::string_view, json>*> order;
  if (fields.size() <= kFew) {
    order = {few, fields.size()};
  } else {
    many.resize(fields.size());
    order = many;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) order[i] = &fields[i];
  if (order.size() > 1)
    std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < order.size(); ++i)
    if (i == 0 || order[i]->first != order[i - 1]->first) order[distinct++] = order[i];
  head(out, 0xA0, distinct);
  for (std::size_t i = 0; i < distinct; ++i) {
    head(out, 0x60, order[i]->first.size());
    out.append(order[i]->first);
    append_cbor(order[i]->second, out);
  }
}

namespace {

// Reads what append_cbor() writes; nullopt at anything else, for nlohmann to judge.
class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const unsigned char*>(bytes.data())), end_(p_ + bytes.size()) {}

  std::optional<json> whole() {
    json value;
    if (!read(value, 0) || p_ != end_) return std::nullopt;
    return value;
  }

 private:
  static constexpr int kMaxDepth = 256;

  bool argument(unsigned char info, std::uint64_t& n) {
    if (info <= 0x17) {
      n = info;
      return true;
    }
    if (info > 0x1B) return false;  // indefinite length or reserved
    const int bytes = 1 << (info - 0x18);
    if (end_ - p_ < bytes) return false;
    n = 0;
    for (int i = 0; i < bytes; ++i) n = (n << 8) | *p_++;
    return true;
  }

  bool text(std::string& s, std::uint64_t n) {
    if (static_cast<std::uint64_t>(end_ - p_) < n) return false;
    s.assign(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return true;
  }

  template <typename T>
  bool big_endian(T& value) {
    if (end_ - p_ < static_cast<std::ptrdiff_t>(sizeof(T))) return false;
    unsigned char bytes[sizeof(T)];
    for (std::size_t i = sizeof(T); i-- > 0;) bytes[i] = *p_++;
    std::memcpy(&value, bytes, sizeof(T));
    return true;
  }

  bool read(json& value, int depth) {
    if (p_ == end_ || depth > kMaxDepth) return false;
    const unsigned char initial = *p_++;
    const unsigned char major = initial >> 5, info = initial & 0x1F;
    std::uint64_t n = 0;
    switch (major) {
      case 0:
        if (!argument(info, n)) return false;
        value = n;
        return true;
      case 1:
        if (!argument(info, n) || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
        value = -1 - static_cast<std::int64_t>(n);
        return true;
      case 2: {
        if (!argument(info, n) || static_cast<std::uint64_t>(end_ - p_) < n) return false;
        value = json::binary(std::vector<std::uint8_t>(p_, p_ + n));
        p_ += n;
        return true;
      }
      case 3: {
        std::string s;
        if (!argument(info, n) || !text(s, n)) return false;
        value = std::move(s);
        return true;
      }
      case 4: {
        if (!argument(info, n) || static_cast<std::uint64_t>(end_ - p_) < n) return false;  // each takes a byte
        value = json::array();
        auto& elements = value.get_ref<json::array_t&>();
        elements.resize(static_cast<std::size_t>(n));
        for (json& element : elements)
          if (!read(element, depth + 1)) return false;
        return true;
      }
      case 5: {
        if (!argument(info, n) || static_cast<std::uint64_t>(end_ - p_) / 2 < n) return false;
        value = json::object();
        auto& members = value.get_ref<json::object_t&>();
        std::string key;
        for (std::uint64_t i = 0; i < n; ++i) {
          if (p_ == end_ || (*p_ >> 5) != 3) return false;  // a key that is not a string
          const unsigned char key_info = *p_++ & 0x1F;
          std::uint64_t length = 0;
          if (!argument(key_info, length) || !text(key, length)) return false;
          if (!read(members[key], depth + 1)) return false;  // a repeated key: the last wins, as nlohmann
        }
        return true;
      }
      case 7:
        switch (initial) {
          case 0xF4: value = false; return true;
          case 0xF5: value = true; return true;
          case 0xF6: value = nullptr; return true;
          case 0xFA: {
            float f = 0;
            if (!big_endian(f)) return false;
            value = static_cast<double>(f);
            return true;
          }
          case 0xFB: {
            double d = 0;
            if (!big_endian(d)) return false;
            value = d;
            return true;
          }
          default: return false;  // half floats, undefined, other simple values
        }
      default: return false;  // tags
    }
  }

  const unsigned char* p_;
  const unsigned char* end_;
};

}  // namespace

json parse_cbor(std::string_view bytes) {
  if (std::optional<json> value = Reader(bytes).whole()) return std::move(*value);
  return json::from_cbor(bytes.begin(), bytes.end());
}

}  // namespace concur::mp::wire
