// File: forward_index.h
// -----------------------------------------------------------------------------
// ForwardIndex: the "depends on" CSR of a DependencyGraph, derived from its
// dependents CSR on first use. Internal to upgrade_core/graph.
#ifndef UPGRADE_CORE_GRAPH_FORWARD_INDEX_H_
#define UPGRADE_CORE_GRAPH_FORWARD_INDEX_H_

#include <cstdint>
#include <vector>

#include "absl/base/call_once.h"

namespace upgrade_core::graph::internal {

struct ForwardIndex {
  absl::once_flag once;
  // The dependencies of v are adj[off[v], off[v+1]), ascending.
  std::vector<uint32_t> off;
  std::vector<uint32_t> adj;
};

}  // namespace upgrade_core::graph::internal

#endif  // UPGRADE_CORE_GRAPH_FORWARD_INDEX_H_
