// LineSplitter: output bytes to lines of at most 16 KiB, longer ones split (SPEC §5.7).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "supervisor/core/line_splitter.hpp"

using namespace tend;

namespace {

struct Collect {
    std::vector<std::string> lines;
    LineSplitter::Sink sink() {
        return [this](std::string_view l) { lines.emplace_back(l); };
    }
};

}  // namespace

TEST_CASE("the maximum line length is 16 KiB") {
    CHECK(kMaxLogLine == 16384);
}

TEST_CASE("complete lines in one feed") {
    LineSplitter s;
    Collect c;
    s.feed("one\ntwo\nthree\n", c.sink());
    CHECK(c.lines == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("a line across several feeds is emitted once, whole") {
    LineSplitter s;
    Collect c;
    s.feed("hel", c.sink());
    CHECK(c.lines.empty());
    s.feed("lo wo", c.sink());
    CHECK(c.lines.empty());
    s.feed("rld\nnext", c.sink());
    CHECK(c.lines == std::vector<std::string>{"hello world"});
    s.feed("\n", c.sink());
    CHECK(c.lines == std::vector<std::string>{"hello world", "next"});
}

TEST_CASE("empty lines are preserved") {
    LineSplitter s;
    Collect c;
    s.feed("\n\na\n\n", c.sink());
    CHECK(c.lines == std::vector<std::string>{"", "", "a", ""});
    s.feed("\n", c.sink());
    CHECK(c.lines.size() == 5);
    CHECK(c.lines.back().empty());
}

TEST_CASE("flush emits a pending partial line once") {
    LineSplitter s;
    Collect c;
    s.feed("done\npartial", c.sink());
    CHECK(c.lines == std::vector<std::string>{"done"});
    s.flush(c.sink());
    CHECK(c.lines == std::vector<std::string>{"done", "partial"});
    s.flush(c.sink());
    CHECK(c.lines.size() == 2);
    // Nothing pending: flush emits nothing, not even an empty line.
    LineSplitter empty;
    Collect none;
    empty.feed("x\n", none.sink());
    empty.flush(none.sink());
    CHECK(none.lines == std::vector<std::string>{"x"});
}

TEST_CASE("a line of exactly 16 KiB is one line") {
    const std::string line(kMaxLogLine, 'a');
    LineSplitter s;
    Collect c;
    s.feed(line + "\nb\n", c.sink());
    REQUIRE(c.lines.size() == 2);
    CHECK((c.lines[0] == line));
    CHECK(c.lines[1] == "b");
}

TEST_CASE("a line of exactly 16 KiB assembled from pieces is one line") {
    const std::string line(kMaxLogLine, 'a');
    LineSplitter s;
    Collect c;
    s.feed(line.substr(0, 1000), c.sink());
    s.feed(line.substr(1000) + "\n", c.sink());
    REQUIRE(c.lines.size() == 1);
    CHECK((c.lines[0] == line));
}

TEST_CASE("a 16 KiB line whose newline comes in the next read is still one line") {
    const std::string line(kMaxLogLine, 'a');
    LineSplitter s;
    Collect c;
    s.feed(line, c.sink());
    s.feed("\nb\n", c.sink());
    // The newline that ends a full-length line must not add an empty line.
    INFO("line sizes: " << [&] {
        std::string sizes;
        for (const auto& l : c.lines) sizes += std::to_string(l.size()) + " ";
        return sizes;
    }());
    REQUIRE(c.lines.size() == 2);
    CHECK(c.lines[0].size() == kMaxLogLine);
    CHECK(c.lines[1] == "b");
}

TEST_CASE("a longer line is split into 16 KiB pieces") {
    std::string line;
    for (size_t i = 0; i < 2 * kMaxLogLine + 100; ++i) line += char('a' + i % 26);
    LineSplitter s;
    Collect c;
    s.feed(line + "\nafter\n", c.sink());
    REQUIRE(c.lines.size() == 4);
    CHECK((c.lines[0] == line.substr(0, kMaxLogLine)));
    CHECK((c.lines[1] == line.substr(kMaxLogLine, kMaxLogLine)));
    CHECK((c.lines[2] == line.substr(2 * kMaxLogLine)));
    CHECK(c.lines[2].size() == 100);
    CHECK(c.lines[3] == "after");
}

TEST_CASE("a long line fed byte chunks at a time splits the same way") {
    std::string line(kMaxLogLine + 10, 'z');
    line[kMaxLogLine] = 'Y';
    LineSplitter s;
    Collect c;
    for (size_t i = 0; i < line.size(); i += 333) s.feed(line.substr(i, 333), c.sink());
    s.feed("\n", c.sink());
    REQUIRE(c.lines.size() == 2);
    CHECK(c.lines[0] == std::string(kMaxLogLine, 'z'));
    CHECK(c.lines[1] == "Y" + std::string(9, 'z'));
}

TEST_CASE("a small maximum splits accordingly and flush emits the remainder") {
    LineSplitter s(4);
    Collect c;
    s.feed("abcdefghij", c.sink());
    CHECK(c.lines == std::vector<std::string>{"abcd", "efgh"});
    s.flush(c.sink());
    CHECK(c.lines == std::vector<std::string>{"abcd", "efgh", "ij"});
    s.feed("abc\nabcd\n", c.sink());
    CHECK(c.lines == std::vector<std::string>{"abcd", "efgh", "ij", "abc", "abcd"});
}
