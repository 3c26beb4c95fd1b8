// demos/catalogue.hpp - every example, in the order of demos/catalogue.txt.
#pragma once

#include <concur/harness/example.hpp>

namespace concur::demos {

// Builds the catalogue: every demo's factory, in the order of demos/catalogue.txt, each
// example described by its line (id, title, summary, ...).
Catalogue catalogue();

}  // namespace concur::demos
