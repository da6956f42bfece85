// The cron records of the job log: round trips, damaged payloads, replay rules of the book, and
// the job key of a tick.
#include <catch2/catch.hpp>

#include "queue/core/record_format.hpp"
#include "queue/cron/cron_book.hpp"
#include "supervisor/util/names.hpp"

using namespace tend;
using namespace tend::cron;

namespace {
CronDef sample_def() {
    CronDef d;
    d.name = "nightly";
    d.schedule = "0 3 * * *";
    d.timezone = "Europe/Berlin";
    d.queue = "batch";
    d.argv = {"/bin/report", "--all"};
    d.overlap = Overlap::replace;
    d.catch_up = CatchUp::all;
    d.catch_up_window_us = -1;  // zigzag: negative values survive too
    d.jitter_us = 30000000;
    d.cwd = "/srv";
    d.env = {"A=1", "B=two"};
    d.uid = 1000;
    d.gid = 100;
    d.groups = {100, 27};
    d.created_at_us = 1795346400000000;
    return d;
}
}  // namespace

TEST_CASE("cron records round-trip", "[cron]") {
    CronDefRecord def{sample_def(), false};
    CHECK(*decode_cron_def(encode_cron_def(def)) == def);
    CronDefRecord removed;
    removed.def.name = "x";
    removed.removed = true;
    CHECK(*decode_cron_def(encode_cron_def(removed)) == removed);
    CronStateRecord st{"nightly", 1795346400, 42};
    CHECK(*decode_cron_state(encode_cron_state(st)) == st);
}

TEST_CASE("damaged cron payloads are errors, never crashes", "[cron]") {
    const std::string def = encode_cron_def({sample_def(), false});
    for (std::size_t cut = 0; cut < def.size(); ++cut)
        CHECK_FALSE(decode_cron_def(std::string_view(def).substr(0, cut)));
    CHECK_FALSE(decode_cron_def(def + "x"));
    // Any flipped byte decodes to something or to an error, never out of bounds.
    for (std::size_t i = 0; i < def.size(); ++i) {
        std::string b = def;
        b[i] = static_cast<char>(b[i] ^ 0x5a);
        (void)decode_cron_def(b);
    }
    const std::string st = encode_cron_state({"n", 5, 6});
    for (std::size_t cut = 0; cut < st.size(); ++cut)
        CHECK_FALSE(decode_cron_state(std::string_view(st).substr(0, cut)));
}

TEST_CASE("the book: last definition wins, ticks only move forward", "[cron]") {
    CronBook b;
    CronDef d = sample_def();
    b.apply(CronDefRecord{d, false});
    d.schedule = "0 4 * * *";
    b.apply(CronDefRecord{d, false});
    REQUIRE(b.cli_defs().size() == 1);
    CHECK(b.cli_defs().at("nightly").schedule == "0 4 * * *");

    b.apply(CronStateRecord{"nightly", 100, 7});
    b.apply_tick_job("nightly", 200, 9);
    b.apply(CronStateRecord{"nightly", 150, 8});  // older: replay of an earlier record
    CHECK(b.state("nightly") == CronState{200, 9});

    CronDefRecord rm;
    rm.def.name = "nightly";
    rm.removed = true;
    b.apply(rm);
    CHECK(b.cli_defs().empty());
    CHECK(b.state("nightly") == CronState{});
}

TEST_CASE("a book's snapshot replays to the same book", "[cron]") {
    CronBook b;
    b.apply(CronDefRecord{sample_def(), false});
    b.apply(CronStateRecord{"nightly", 100, 7});
    b.apply(CronStateRecord{"config-entry", 300, 0});
    const std::string frames = b.snapshot_frames();
    const std::string image = jobs::encode_file_header() + frames;
    CronBook r;
    auto scan = jobs::scan_log(image, [&](const jobs::ScannedRecord& rec) {
        if (rec.type == jobs::RecordType::cron_def) r.apply(*decode_cron_def(rec.payload));
        if (rec.type == jobs::RecordType::cron_state) r.apply(*decode_cron_state(rec.payload));
    });
    REQUIRE(scan);
    CHECK(scan->records == 3);
    CHECK(r.cli_defs() == b.cli_defs());
    CHECK(r.states() == b.states());
}

TEST_CASE("the job key of a tick, and back", "[cron]") {
    CHECK(tick_key("nightly", "2026-03-08T03:00:00-04:00") ==
          "cron:nightly:2026-03-08T03:00:00-04:00");
    auto k = parse_tick_key("cron:nightly:2026-03-08T03:00:00-04:00");
    REQUIRE(k);
    CHECK(k->name == "nightly");
    CHECK(k->tick_s == 1772953200);  // 2026-03-08T07:00:00Z
    auto lh = parse_tick_key("cron:x.y:2026-10-04T02:30:00+11:00");
    REQUIRE(lh);
    CHECK(lh->tick_s == 1791041400);  // 2026-10-03T15:30:00Z
    for (const char* bad : {"", "cron:", "cron:x", "cron:x:", "job:x:2026-03-08T03:00:00-04:00",
                            "cron:x:2026-03-08T03:00:00", "cron:x:2026-02-30T03:00:00+00:00",
                            "cron:x:2026-03-08T24:00:00+00:00", "cron:x:2026-03-08 03:00:00+00:00"})
        CHECK_FALSE(parse_tick_key(bad));
}

TEST_CASE("entry names", "[cron]") {
    CHECK(valid_name("nightly-report.v2_x", NameKind::cron_entry));
    CHECK_FALSE(valid_name("", NameKind::cron_entry));
    CHECK_FALSE(valid_name("a b", NameKind::cron_entry));
    CHECK_FALSE(valid_name("a:b", NameKind::cron_entry));  // ':' would break the job key
    CHECK_FALSE(valid_name(std::string(65, 'a'), NameKind::cron_entry));
}

TEST_CASE("zone_known checks the tz database without loading it", "[cron]") {
    CHECK(zone_known("Europe/Berlin"));
    CHECK(zone_known("UTC"));
    CHECK_FALSE(zone_known("Mars/Olympus"));
    CHECK_FALSE(zone_known("../../etc/passwd"));
    CHECK_FALSE(zone_known("/etc/localtime"));
    CHECK_FALSE(zone_known("zone.tab"));  // a file there, but not a zone
}
