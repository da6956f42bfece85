// The dashboard's files (cmd/tendd/web), compiled into tendd at build time, and which URL path
// serves which: tendd installs no web files and reads none at run time.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace tend::web {

// One embedded file, as the generated web_assets_data.cpp lists it (embed_assets.cmake).
struct EmbeddedFile {
    const char* name;          // its path under cmd/tendd/web, e.g. "app.js"
    const char* content_type;  // from its extension
    const char* etag;          // quoted, from the content's SHA-1
    const unsigned char* data;
    std::size_t size;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

struct WebAsset {
    std::string_view name;  // the embedded file's name
    std::string_view body;
    std::string_view content_type;
    std::string_view etag;
};

// The page shell every page path serves; its script draws the page the path names.
inline constexpr std::string_view kShellFile = "index.html";

// A page of the dashboard: "/", "/programs", "/queues", "/jobs", "/cron", and one object of the
// first three ("/programs/NAME", "/queues/NAME", "/jobs/ID"). The path has no query string.
bool is_page_path(std::string_view path);

// What `path` (no query string) serves: "/static/NAME" the embedded file NAME, a page path the
// shell, "/favicon.ico" the icon (for clients that ask without reading the page); nullopt for
// anything else.
std::optional<WebAsset> find_web_asset(std::string_view path);

}  // namespace tend::web
