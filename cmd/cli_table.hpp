// Plain-text tables for human output, optionally with colour.
#pragma once

#include <string>
#include <vector>

namespace tend::cli {

struct Cell {
    std::string text;
    const char* colour = nullptr;  // ANSI SGR code such as "32", or null
};

// Prints a header row and the rows with columns padded to their widest cell.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<Cell>>& rows,
                 bool colour);

// "3d4h", "5m12s", "250ms": short, for tables.
std::string human_duration_s(double seconds);

}  // namespace tend::cli
