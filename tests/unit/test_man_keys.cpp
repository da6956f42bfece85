// Every key of every section's key table is documented in tend.toml(5), and every key
// documented there is in a table: the tables are the one list of keys.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "queue/config/queue_config.hpp"
#include "supervisor/config/http_config.hpp"
#include "supervisor/config/program_keys.hpp"

using namespace tend;

namespace {

// The keys documented per section ("program.NAME"): the .TP items of a "THE [SECTION] TABLE"
// chapter outside .RS/.RE (nested items list values, not keys), that name a lower-case key:
// ".B key = default" or ".BR \"a = 1\" \", \" \"b = 2\"" (the bold words of .BR).
std::map<std::string, std::set<std::string>> documented_keys() {
    std::ifstream in(TEND_SOURCE_DIR "/man/tend.toml.5");
    REQUIRE(in);
    std::map<std::string, std::set<std::string>> out;
    const std::regex chapter(R"(^\.SH THE \[(.*)\] TABLES?$)");
    const std::regex key_word(R"(^[a-z_]+$)");
    std::string section, line, previous;
    int depth = 0;
    while (std::getline(in, line)) {
        std::smatch m;
        if (line.starts_with(".SH")) {
            section = std::regex_match(line, m, chapter) ? m[1].str() : "";
            if (!section.empty()) out[section];
            depth = 0;
        } else if (line.starts_with(".RS")) {
            ++depth;
        } else if (line.starts_with(".RE")) {
            --depth;
        } else if (previous == ".TP" && depth == 0 && !section.empty()) {
            std::vector<std::string> words;  // the bold arguments
            if (line.starts_with(".B ")) {
                words.push_back(line.substr(3));
            } else if (line.starts_with(".BR ")) {
                const std::regex arg(R"lit("([^"]*)"|(\S+))lit");
                int i = 0;
                const std::string args = line.substr(4);
                for (auto it = std::sregex_iterator(args.begin(), args.end(), arg);
                     it != std::sregex_iterator(); ++it, ++i)
                    if (i % 2 == 0) words.push_back((*it)[1].matched ? (*it)[1] : (*it)[2]);
            }
            for (const auto& w : words) {
                std::string key = w.substr(0, w.find_first_of(" ="));
                if (std::regex_match(key, key_word)) out[section].insert(key);
            }
        }
        previous = line;
    }
    return out;
}

template <typename Rows>
std::set<std::string> table(const Rows& rows) {
    std::set<std::string> out;
    for (const auto& r : rows) out.insert(r.name);
    return out;
}

}  // namespace

TEST_CASE("tend.toml(5) documents exactly the keys of the key tables", "[config][man]") {
    const auto doc = documented_keys();
    std::set<std::string> program = table(program_keys());
    // [program.NAME.rollout] has its own chapter.
    REQUIRE(program.erase("rollout") == 1);
    const std::map<std::string, std::set<std::string>> tables = {
        {"daemon", table(daemon_keys())},
        {"program.NAME", program},
        {"program.NAME.rollout", table(rollout_keys())},
        {"queue.NAME", table(queue_keys())},
        {"cron.NAME", table(cron_keys())},
        {"http", table(http_keys())},
    };
    for (const auto& [section, keys] : tables) {
        INFO("[" << section << "]");
        REQUIRE(doc.count(section) == 1);
        const auto& documented = doc.at(section);
        for (const auto& k : keys) {
            INFO("key in the table, not in tend.toml(5): " << k);
            CHECK(documented.count(k) == 1);
        }
        for (const auto& k : documented) {
            INFO("key in tend.toml(5), not in the table: " << k);
            CHECK(keys.count(k) == 1);
        }
    }
    CHECK(doc.size() == tables.size());
}

TEST_CASE("every program key has a reload class and a way to compare", "[config][reload]") {
    for (const auto& k : program_keys()) {
        INFO(k.name);
        CHECK(k.parse != nullptr);
        CHECK(k.same != nullptr);
        CHECK(k.plan_name != nullptr);
        CHECK((k.reload == KeyReload::roll) == (k.take == nullptr));
    }
}
