// chinook-cachesim: see cachesim.h.
#include <iostream>
#include <string>
#include <vector>

#include "cachesim.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return chinook::cachesim::RunCachesim(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
