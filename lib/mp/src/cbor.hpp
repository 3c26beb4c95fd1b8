// cbor.hpp - the CBOR encoding of messages, fast for the values messages usually are.
//
// Every message between processes (a Connection's send(), a process Queue's put(), a
// pool's tasks, a manager's calls) is a JSON value encoded as CBOR. nlohmann::json's own
// to_cbor()/from_cbor() go through adapters and a SAX parser: for a small message such as
// {"i": 42} that is most of the cost of sending it (about 0.4 µs to encode and 0.5 µs to
// decode here, where a pipe write costs 0.7 µs). These write and read the same bytes
// directly. The encoding is byte for byte nlohmann's; the decoder hands anything unusual
// (tags, indefinite lengths, half floats, a malformed frame) to nlohmann's, so what is
// accepted, and every error message, stays nlohmann's.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace concur::mp::wire {

// Appends value's CBOR encoding to out (identical to nlohmann::json::to_cbor).
void append_cbor(const nlohmann::json& value, std::string& out);

// Appends the encoding of the object {fields...}: the same bytes as append_cbor() of the
// nlohmann object made from them (keys in order, the first of two equal keys kept),
// without making it. For messages written as literals (Connection::send's Fields).
void append_cbor_object(std::span<const std::pair<std::string_view, nlohmann::json>> fields, std::string& out);

// Decodes one CBOR value that fills `bytes` exactly (as nlohmann::json::from_cbor does,
// and throwing what it throws).
nlohmann::json parse_cbor(std::string_view bytes);

}  // namespace concur::mp::wire
