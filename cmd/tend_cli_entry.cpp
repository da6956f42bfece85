// tend-cli (and tend-cli-dynamic): the full command-line client that `tend` execs.
#include "cmd/full_cli.hpp"

int main(int argc, char** argv) {
    return tend::cli::run_full_cli(argc, argv);
}
