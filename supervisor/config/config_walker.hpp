// The config walker: typed access to toml++ nodes that records positioned errors as it goes.
#pragma once

#include <toml++/toml.h>
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "supervisor/config/config_parser.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::config_detail {

struct PositionedError {
    toml::source_position at;
    std::string message;
};

class Walker {
  public:
    explicit Walker(const std::string& file) : file_(file) {}

    void error_at(const toml::source_region& where, const std::string& message) {
        errors_.push_back({where.begin, file_ + ":" + std::to_string(where.begin.line) + ":" +
                                            std::to_string(where.begin.column) + ": " + message});
    }
    // Every error, in the order of the file (toml++ keeps tables sorted by key, not by line).
    std::vector<std::string> sorted_errors() {
        std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
            return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
        });
        std::vector<std::string> out;
        for (auto& e : errors_) out.push_back(std::move(e.message));
        return out;
    }
    SourcePos pos_of(const toml::node& node) const {
        return {file_, static_cast<int>(node.source().begin.line),
                static_cast<int>(node.source().begin.column)};
    }

    // The key/value pairs of a table in the order of the file (toml++ keeps them sorted by
    // key): programs start, and queues and cron entries are listed, in that order.
    static std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
        const toml::table& t) {
        std::vector<std::pair<const toml::key*, const toml::node*>> ordered;
        for (auto&& [k, v] : t) ordered.emplace_back(&k, &v);
        std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
            const auto &pa = a.first->source().begin, &pb = b.first->source().begin;
            return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
        });
        return ordered;
    }

    // Reports keys of `table` that `known` does not list.
    void check_keys(const toml::table& table, const std::string& section,
                    const std::set<std::string>& known) {
        for (auto&& [key, node] : table) {
            (void)node;
            if (!known.count(std::string(key.str())))
                error_at(key.source(),
                         "unknown key \"" + std::string(key.str()) + "\" in [" + section + "]");
        }
    }

    const std::string* as_string(const toml::node& node, const std::string& key) {
        if (auto s = node.as_string()) return &s->get();
        error_at(node.source(), "\"" + key + "\" must be a string");
        return nullptr;
    }
    std::optional<std::int64_t> as_int(const toml::node& node, const std::string& key,
                                       std::int64_t min, std::int64_t max) {
        auto i = node.as_integer();
        if (!i) {
            error_at(node.source(), "\"" + key + "\" must be an integer");
            return std::nullopt;
        }
        if (i->get() < min || i->get() > max) {
            error_at(node.source(), "\"" + key + "\" must be between " + std::to_string(min) +
                                        " and " + std::to_string(max));
            return std::nullopt;
        }
        return i->get();
    }
    std::optional<bool> as_bool(const toml::node& node, const std::string& key) {
        if (auto b = node.as_boolean()) return b->get();
        error_at(node.source(), "\"" + key + "\" must be true or false");
        return std::nullopt;
    }
    // A string parsed by `parse`; errors from the parser are placed at the node.
    template <typename T, typename F>
    std::optional<T> parsed(const toml::node& node, const std::string& key, F parse) {
        const std::string* s = as_string(node, key);
        if (!s) return std::nullopt;
        Result<T> r = parse(*s);
        if (!r) {
            error_at(node.source(), "\"" + key + "\": " + r.error());
            return std::nullopt;
        }
        return std::move(r.value());
    }
    std::optional<Usec> duration(const toml::node& node, const std::string& key) {
        return parsed<Usec>(node, key, [](const std::string& s) { return parse_duration(s); });
    }

    // The sections of supervision; their keys are tables (section_keys.hpp, program_keys.hpp).
    void daemon(const toml::table& t, DaemonConfig& d);
    void program(const std::string& name, const toml::table& t, ProgramConfig& p,
                 const ParseOptions& options);
    void rollout(const toml::table& t, RolloutConfig& r, const std::string& section);
    std::optional<std::vector<std::string>> string_array(const toml::node& node,
                                                         const std::string& key);
    // Shared by [program.*] and [cron.*]: a string (run by /bin/sh -c) or an argv array; an
    // absolute directory; a table of environment strings.
    std::optional<std::vector<std::string>> command(const toml::node& node);
    std::optional<std::string> directory(const toml::node& node);
    void environment(const toml::node& node, std::map<std::string, std::string>& out);

  private:
    const std::string& file_;
    std::vector<PositionedError> errors_;
};

}  // namespace tend::config_detail

namespace tend {

struct KeyInput {
    config_detail::Walker& w;
    const toml::node& node;  // the key's value
    std::string key;
    const std::string& section;  // "program.web"
    const ParseOptions& options;
};

// Checks the keys of `t` against `rows` (any other is an unknown key) and parses each one the
// file has, in the order of the rows.
template <typename Rows, typename T>
void parse_keys(config_detail::Walker& w, const toml::table& t, const std::string& section,
                const Rows& rows, T& out, const ParseOptions& options) {
    std::set<std::string> known;
    for (const auto& r : rows) known.insert(r.name);
    w.check_keys(t, section, known);
    for (const auto& r : rows)
        if (auto n = t.get(r.name)) r.parse(KeyInput{w, *n, r.name, section, options}, out);
}

struct ExtraSection {
    std::string name;  // the top-level key: "queue" for [queue.*]
    // Called once per parse, in the order of the list; `node` is null when the file has no
    // such table. Errors go to the walker, which sorts them with all others.
    std::function<void(const toml::node* node, config_detail::Walker& walker)> parse;
};

}  // namespace tend
