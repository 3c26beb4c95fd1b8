// demos/catalogue.hpp - every example, in the order of demos/catalogue.txt.
#pragma once

#include <concur/harness/example.hpp>

namespace concur::demos {

// Builds the catalogue (the list is generated from demos/catalogue.txt).
Catalogue catalogue();

}  // namespace concur::demos
