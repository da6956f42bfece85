// Which URL path serves which embedded dashboard file (web_assets.hpp).
#include "cmd/tendd/web_assets.hpp"

#include <array>

namespace tend::web {
namespace {

constexpr std::string_view kStatic = "/static/";
constexpr std::string_view kIcon = "icon.svg";

std::optional<WebAsset> embedded(std::string_view name) {
    for (std::size_t i = 0; i < kEmbeddedFileCount; ++i) {
        const EmbeddedFile& f = kEmbeddedFiles[i];
        if (name != f.name) continue;
        return WebAsset{
            f.name, {reinterpret_cast<const char*>(f.data), f.size}, f.content_type, f.etag};
    }
    return std::nullopt;
}

}  // namespace

bool is_page_path(std::string_view path) {
    if (path == "/") return true;
    static constexpr std::array<std::string_view, 4> kPages = {"programs", "queues", "jobs",
                                                               "cron"};
    if (path.size() < 2 || path[0] != '/') return false;
    std::string_view rest = path.substr(1);
    const auto slash = rest.find('/');
    const std::string_view page = rest.substr(0, slash);
    bool known = false;
    for (auto p : kPages) known = known || p == page;
    if (!known) return false;
    if (slash == rest.npos) return true;
    // One object below a list page (not cron: its entries have no page of their own).
    const std::string_view object = rest.substr(slash + 1);
    return page != "cron" && !object.empty() && object.find('/') == object.npos;
}

std::optional<WebAsset> find_web_asset(std::string_view path) {
    if (path.starts_with(kStatic)) {
        const std::string_view name = path.substr(kStatic.size());
        // The shell only under its page paths; no directories.
        if (name.empty() || name == kShellFile || name.find('/') != name.npos) return std::nullopt;
        return embedded(name);
    }
    if (path == "/favicon.ico") return embedded(kIcon);
    if (is_page_path(path)) return embedded(kShellFile);
    return std::nullopt;
}

}  // namespace tend::web
