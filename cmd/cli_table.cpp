// Table layout; widths count bytes, which is right for the ASCII tend prints.
#include "cmd/cli_table.hpp"

#include <algorithm>
#include <cstdio>

namespace tend::cli {

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<Cell>>& rows,
                 bool colour) {
    std::vector<size_t> width(header.size());
    for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
    for (const auto& row : rows)
        for (size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].text.size());
    auto emit = [&](size_t i, const std::string& text, const char* c) {
        const bool last = i + 1 == width.size();
        if (colour && c)
            std::printf("\033[%sm%s\033[0m", c, text.c_str());
        else
            std::printf("%s", text.c_str());
        if (!last) std::printf("%*s", static_cast<int>(width[i] - text.size() + 2), "");
    };
    for (size_t i = 0; i < header.size(); ++i) emit(i, header[i], colour ? "1" : nullptr);
    std::printf("\n");
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size() && i < width.size(); ++i)
            emit(i, row[i].text, row[i].colour);
        std::printf("\n");
    }
}

std::string human_duration_s(double seconds) {
    if (seconds < 0) seconds = 0;
    if (seconds < 1) return std::to_string(static_cast<int>(seconds * 1000)) + "ms";
    long long s = static_cast<long long>(seconds);
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
    if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
    return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

}  // namespace tend::cli
