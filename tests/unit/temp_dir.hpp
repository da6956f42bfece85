// A fresh directory under /tmp for one test, removed with everything in it afterwards.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace tend::test {

struct TempDir {
    std::string path;
    explicit TempDir(const char* prefix = "tend-test") {
        std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace tend::test
