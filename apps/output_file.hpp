// apps/output_file.hpp - the report files a run writes (--json, --trace,
// --export-markdown, check --json): checked before the run, written whole after it.
//
// Nothing is opened before the run, so a refused command line leaves every existing file
// as it was and a FIFO with no reader cannot block it. After the run a regular file is
// written to a temporary file in the same directory and renamed into place only when the
// text is complete: a reader sees the old report or the new one, never half of one, and a
// Ctrl-C (remove_partial_output_from_signal) leaves the old one. Special files
// (/dev/full, a FIFO, a terminal) are written directly, and /dev/stdout or /dev/stderr
// through descriptor 1 or 2, so a redirected stdout is appended to, not replaced. Every write and the
// close are checked: a report that could not be written throws OutputLost (exit 1).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace concur::cli {

// A report that could not be written: the run happened but its record is lost.
class OutputLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An output named on the command line. "-" means stdout where allowed.
class OutputFile {
 public:
  // Checks the path without opening it: not empty, "-" only where allowed, its directory
  // exists and may be written, it is not a directory. Throws BadUsage (exit 2) naming the
  // option. An empty `path` means the option was not given (nothing is written).
  OutputFile(std::string path, std::string option, bool allow_stdout);

  bool given() const { return !path_.empty(); }
  bool to_stdout() const { return path_ == "-"; }
  const std::string& option() const { return option_; }

  // Writes the whole text; throws OutputLost with one line naming the option, the path
  // and the reason. Blocks while a pipe's reader is slow; a FIFO with no reader is waited
  // for a few seconds at most, then OutputLost.
  void write(std::string_view text) const;

  // Throws BadUsage when two given outputs name the same file (the same path, or two
  // paths that resolve to one file), e.g. --json r.json --trace ./r.json.
  static void refuse_shared(const std::vector<const OutputFile*>& outputs);

 private:
  std::string path_;
  std::string option_;
  unsigned mode_ = 0644;  // for a new file: 0666 less the umask, read before the run
};

// For a signal handler (async-signal-safe): removes the temporary file of a report being
// written, if one is, so an interrupted write leaves the earlier report as it was.
void remove_partial_output_from_signal();

}  // namespace concur::cli
