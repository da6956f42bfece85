// Control protocol: newline-delimited JSON requests and replies, and the LineBuffer framing.
#include <catch2/catch.hpp>

#include "supervisor/protocol/protocol.hpp"

using namespace tend;
using namespace tend::protocol;

TEST_CASE("a request round-trips through encode and decode") {
    Request r;
    r.cmd = "restart";
    r.args = {{"program", "web"}, {"instance", 2}, {"rolling", true}};
    std::string line = encode_request(r);
    REQUIRE_FALSE(line.empty());
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);  // one line only
    json j = json::parse(line);
    CHECK(j["v"] == 1);
    CHECK(j["cmd"] == "restart");

    auto d = decode_request(line.substr(0, line.size() - 1));
    REQUIRE(d.ok());
    CHECK(d->cmd == "restart");
    CHECK(d->args == r.args);
    CHECK(d->args["instance"] == 2);
}

TEST_CASE("a request without args decodes with an empty object") {
    auto d = decode_request(R"({"v":1,"cmd":"status"})");
    REQUIRE(d.ok());
    CHECK(d->cmd == "status");
    CHECK(d->args.is_object());
    CHECK(d->args.empty());
    Request plain;
    plain.cmd = "status";
    auto again = decode_request(encode_request(plain));
    REQUIRE(again.ok());
    CHECK(again->args == json::object());
}

TEST_CASE("strings with newlines and invalid UTF-8 still encode to one line") {
    Request r;
    r.cmd = "signal";
    r.args = {{"text", "a\nb"}, {"bad", std::string("x\xff")}};
    std::string line;
    REQUIRE_NOTHROW(line = encode_request(r));
    CHECK(line.find('\n') == line.size() - 1);
    auto d = decode_request(line);
    REQUIRE(d.ok());
    CHECK(d->args["text"] == "a\nb");
    CHECK(d->args["bad"] == "x\xEF\xBF\xBD");  // U+FFFD replacement
}

TEST_CASE("decode_request refuses malformed requests with a reason") {
    struct Case {
        std::string line;
        std::string expect;
    };
    const Case cases[] = {
        {"", "not valid JSON"},
        {"{not json", "not valid JSON"},
        {R"({"v":1,"cmd":"status"} trailing)", "not valid JSON"},
        {"[1,2]", "must be a JSON object"},
        {"\"status\"", "must be a JSON object"},
        {"42", "must be a JSON object"},
        {R"({"cmd":"status"})", "no protocol version"},
        {R"({"v":"1","cmd":"status"})", "no protocol version"},
        {R"({"v":1.5,"cmd":"status"})", "no protocol version"},
        {R"({"v":2,"cmd":"status"})", "protocol version 2 is not supported"},
        {R"({"v":0,"cmd":"status"})", "protocol version 0 is not supported"},
        {R"({"v":1})", "no \"cmd\" string"},
        {R"({"v":1,"cmd":""})", "no \"cmd\" string"},
        {R"({"v":1,"cmd":7})", "no \"cmd\" string"},
        {R"({"v":1,"cmd":"status","args":[1]})", "\"args\" must be a JSON object"},
        {R"({"v":1,"cmd":"status","args":"x"})", "\"args\" must be a JSON object"},
        {R"({"v":1,"cmd":"status","args":null})", "\"args\" must be a JSON object"},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        Result<Request> r = decode_request(c.line);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains(c.expect));
    }
}

TEST_CASE("decode_request refuses lines over 64 KiB") {
    CHECK(kMaxRequestBytes == 64 * 1024);
    std::string pad(kMaxRequestBytes, 'x');
    std::string line = R"({"v":1,"cmd":"status","args":{"p":")" + pad + "\"}}";
    auto r = decode_request(line);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("exceeds the limit of 65536"));
    CHECK_THAT(r.error(), Catch::Contains(std::to_string(line.size()) + " bytes"));

    // Exactly at the limit is still accepted.
    std::string head = R"({"v":1,"cmd":"status","args":{"p":")";
    std::string fit = head + std::string(kMaxRequestBytes - head.size() - 3, 'y') + "\"}}";
    REQUIRE(fit.size() == kMaxRequestBytes);
    CHECK(decode_request(fit).ok());
}

TEST_CASE("an ok reply round-trips with its data") {
    json data = {{"programs", json::array({{{"name", "web"}, {"state", "running"}}})}};
    std::string line = encode_ok(data);
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(json::parse(line)["v"] == 1);
    auto r = decode_reply(line);
    REQUIRE(r.ok());
    CHECK(r->ok);
    CHECK(r->data == data);
    CHECK(r->error_code.empty());
    CHECK(r->message.empty());
}

TEST_CASE("an error reply round-trips with code and message") {
    std::string line = encode_error(code::not_found, "no program \"db\"");
    json j = json::parse(line);
    CHECK(j["ok"] == false);
    CHECK(j["error"]["code"] == "not_found");
    auto r = decode_reply(line);
    REQUIRE(r.ok());
    CHECK_FALSE(r->ok);
    CHECK(r->error_code == "not_found");
    CHECK(r->message == "no program \"db\"");
}

TEST_CASE("decode_reply fills in defaults and refuses malformed replies") {
    auto bare = decode_reply(R"({"v":1,"ok":false,"error":{}})");
    REQUIRE(bare.ok());
    CHECK(bare->error_code == "failed");
    CHECK(bare->message == "unknown error");

    auto no_data = decode_reply(R"({"v":1,"ok":true})");
    REQUIRE(no_data.ok());
    CHECK(no_data->ok);
    CHECK(no_data->data.is_null());

    CHECK_THAT(decode_reply("garbage").error(), Catch::Contains("not a JSON object"));
    CHECK_THAT(decode_reply("[]").error(), Catch::Contains("not a JSON object"));
    CHECK_THAT(decode_reply(R"({"v":1})").error(), Catch::Contains("no \"ok\" field"));
    CHECK_THAT(decode_reply(R"({"v":1,"ok":"yes"})").error(), Catch::Contains("no \"ok\""));
    CHECK_THAT(decode_reply(R"({"v":1,"ok":false})").error(), Catch::Contains("no \"error\""));
    CHECK_THAT(decode_reply(R"({"v":1,"ok":false,"error":"x"})").error(),
               Catch::Contains("no \"error\""));
}

TEST_CASE("decode_reply never throws on wrongly typed error fields") {
    // The header promises an error, never a throw, for malformed input.
    CHECK_NOTHROW(decode_reply(R"({"v":1,"ok":false,"error":{"code":5,"message":null}})"));
}

TEST_CASE("LineBuffer yields lines split across appends") {
    LineBuffer b(1024);
    CHECK(b.empty());
    CHECK_FALSE(b.next_line());
    b.append(R"({"v":1,)");
    CHECK_FALSE(b.next_line());
    CHECK_FALSE(b.empty());
    b.append(R"("cmd":"status"})");
    CHECK_FALSE(b.next_line());
    b.append("\n{\"v\"");
    auto first = b.next_line();
    REQUIRE(first);
    CHECK(*first == R"({"v":1,"cmd":"status"})");
    CHECK_FALSE(b.next_line());
    b.append(":1}\n");
    auto second = b.next_line();
    REQUIRE(second);
    CHECK(*second == R"({"v":1})");
    CHECK(b.empty());
}

TEST_CASE("LineBuffer returns many lines from one append, in order, with empty ones") {
    LineBuffer b(100);
    std::string all;
    for (int i = 0; i < 50; ++i) all += "line" + std::to_string(i) + "\n";
    all += "\n";
    all += "tail";
    b.append(all);
    for (int i = 0; i < 50; ++i) {
        auto l = b.next_line();
        REQUIRE(l);
        CHECK(*l == "line" + std::to_string(i));
    }
    auto blank = b.next_line();
    REQUIRE(blank);
    CHECK(blank->empty());
    CHECK_FALSE(b.next_line());
    CHECK_FALSE(b.empty());
    CHECK_FALSE(b.overflowed());
}

TEST_CASE("LineBuffer reports overflow once the pending line passes its limit") {
    LineBuffer b(10);
    b.append("0123456789");
    CHECK_FALSE(b.overflowed());  // exactly the limit
    b.append("a");
    CHECK(b.overflowed());
    CHECK_FALSE(b.next_line());

    LineBuffer fits(10);
    fits.append("0123456789\nxy");
    CHECK_FALSE(fits.overflowed());
    auto l = fits.next_line();
    REQUIRE(l);
    CHECK(*l == "0123456789");
    fits.append(std::string(20, 'z'));
    CHECK(fits.overflowed());
}

TEST_CASE("LineBuffer takes many short lines in linear time, and counts what is left") {
    // 2,000,000 blank lines in one append: erasing each from the front would be quadratic.
    LineBuffer b(100);
    b.append(std::string(2000000, '\n') + "abc");
    CHECK(b.size() == 2000003);
    std::size_t n = 0, not_blank = 0;
    while (auto l = b.next_line()) {
        if (!l->empty()) ++not_blank;
        ++n;
    }
    CHECK(n == 2000000);
    CHECK(not_blank == 0);
    CHECK(b.size() == 3);
    CHECK_FALSE(b.overflowed());
    b.append("def\nx");
    auto l = b.next_line();
    REQUIRE(l);
    CHECK(*l == "abcdef");
    CHECK(b.size() == 1);
}
