// Test main for the in-process suites: GSS_MECH_CONFIG and APX_TRACE must be set before
// the mechglue reads its configuration on the first GSS call, and the realm must exist.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/realm.h"

std::string g_trace_path;

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  apx::test::Realm& realm = apx::test::Realm::shared();
  setenv("GSS_MECH_CONFIG", APX_MECH_CONF, 1);
  g_trace_path = realm.dir() + "/trace-" + std::to_string(getpid());
  setenv("APX_TRACE", g_trace_path.c_str(), 1);
  return RUN_ALL_TESTS();
}
