// algia trial score: each shipped instrument on hand-worked examples (scoring rules as stated in
// the manuals / data/instruments/*.json), including missing items, reverse items and bad answers.

#include <cmath>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "algia/trial/instrument.hpp"

namespace algia {
namespace {

constexpr double NA = std::numeric_limits<double>::quiet_NaN();

std::vector<double> score(const std::string& name, const std::vector<double>& items) {
    return trial::score_items(trial::load_instrument(name), items).values;
}

TEST(TrialScore, PainCatastrophizingScale) {
    // Items 1..13 = 1 2 3 4 0 1 2 3 4 0 1 2 3: total 26; rumination (8-11) 3+4+0+1 = 8;
    // magnification (6, 7, 13) 1+2+3 = 6; helplessness (1-5, 12) 1+2+3+4+0+2 = 12.
    auto s = score("pcs", {1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3});
    EXPECT_DOUBLE_EQ(s[0], 26);
    EXPECT_DOUBLE_EQ(s[1], 8);
    EXPECT_DOUBLE_EQ(s[2], 6);
    EXPECT_DOUBLE_EQ(s[3], 12);
    // Item 5 missing: total prorated 26 / 12 x 13; helplessness n/a; the others unchanged.
    s = score("pcs", {1, 2, 3, 4, NA, 1, 2, 3, 4, 0, 1, 2, 3});
    EXPECT_NEAR(s[0], 26.0 / 12 * 13, 1e-12);
    EXPECT_DOUBLE_EQ(s[1], 8);
    EXPECT_TRUE(std::isnan(s[3]));
    // Two missing: total n/a.
    s = score("pcs", {1, 2, 3, 4, NA, NA, 2, 3, 4, 0, 1, 2, 3});
    EXPECT_TRUE(std::isnan(s[0]));
    const auto row = trial::score_items(trial::load_instrument("pcs"), {4, 4, 4, 4, 4, 0, 0, 0, 4, 4, 4, 0, 4});
    EXPECT_DOUBLE_EQ(row.values[0], 36);  // nine items at 4
    EXPECT_EQ(row.labels[0], "clinically relevant (>= 30)");
}

TEST(TrialScore, Tsk11) {
    auto s = score("tsk11", {2, 3, 1, 4, 2, 3, 2, 1, 4, 3, 2});
    EXPECT_DOUBLE_EQ(s[0], 27);
    s = score("tsk11", {2, 3, 1, 4, 2, NA, 2, 1, 4, 3, 2});  // 24 over 10 answered x 11
    EXPECT_NEAR(s[0], 26.4, 1e-12);
}

TEST(TrialScore, RolandMorris) {
    std::vector<double> items(24, 0);
    for (int k : {0, 2, 3, 7, 10, 11, 15, 20, 23}) items[std::size_t(k)] = 1;
    EXPECT_DOUBLE_EQ(score("rmdq", items)[0], 9);
    items[5] = NA;
    EXPECT_TRUE(std::isnan(score("rmdq", items)[0]));
}

TEST(TrialScore, OswestryPercentOfAnsweredSections) {
    // 20 of 50 -> 40%.
    EXPECT_NEAR(score("odi", {2, 3, 1, 0, 4, 2, 1, 3, 2, 2})[0], 40, 1e-12);
    // Manual: one section missed -> total / (5 x 9) x 100: 16 / 45 -> 35.56%.
    EXPECT_NEAR(score("odi", {2, 3, 1, 0, NA, 2, 1, 3, 2, 2})[0], 16.0 / 45 * 100, 1e-12);
    EXPECT_TRUE(std::isnan(score("odi", {2, 3, 1, 0, NA, NA, 1, 3, 2, 2})[0]));
    const auto row = trial::score_items(trial::load_instrument("odi"), {2, 3, 1, 0, 4, 2, 1, 3, 2, 2});
    EXPECT_EQ(row.labels[0], "moderate");
}

TEST(TrialScore, Phq9AndGad7) {
    auto row = trial::score_items(trial::load_instrument("phq9"), {1, 2, 0, 3, 1, 1, 0, 2, 1});
    EXPECT_DOUBLE_EQ(row.values[0], 11);
    EXPECT_EQ(row.labels[0], "moderate");
    // Items 4 and 9 missing: 7 over 7 answered x 9 = 9 (mild).
    row = trial::score_items(trial::load_instrument("phq9"), {1, 2, 0, NA, 1, 1, 0, 2, NA});
    EXPECT_NEAR(row.values[0], 9, 1e-12);
    EXPECT_EQ(row.labels[0], "mild");
    EXPECT_TRUE(std::isnan(score("phq9", {1, 2, 0, NA, 1, NA, 0, 2, NA})[0]));
    EXPECT_DOUBLE_EQ(score("gad7", {1, 2, 3, 0, 1, 2, 1})[0], 10);
    EXPECT_NEAR(score("gad7", {1, 2, NA, 0, 1, 2, 1})[0], 7.0 / 6 * 7, 1e-12);
    EXPECT_TRUE(std::isnan(score("gad7", {1, 2, NA, NA, 1, 2, 1})[0]));
}

TEST(TrialScore, BriefPainInventory) {
    // Severity = mean(7, 3, 5, 6) = 5.25; interference = mean(4 6 5 7 3 8 6) = 39/7.
    auto s = score("bpi", {7, 3, 5, 6, 4, 6, 5, 7, 3, 8, 6});
    EXPECT_DOUBLE_EQ(s[0], 5.25);
    EXPECT_NEAR(s[1], 39.0 / 7, 1e-12);
    // 3 of 7 interference items missing: mean of the 4 answered (7 3 8 6) = 6; 4 missing: n/a.
    s = score("bpi", {7, 3, 5, 6, NA, NA, NA, 7, 3, 8, 6});
    EXPECT_DOUBLE_EQ(s[1], 6);
    s = score("bpi", {7, 3, 5, NA, NA, NA, NA, NA, 3, 8, 6});
    EXPECT_TRUE(std::isnan(s[0]));
    EXPECT_TRUE(std::isnan(s[1]));
}

TEST(TrialScore, ReverseItemsAndUserDefinitions) {
    const auto ins = trial::parse_instrument(io::parse_json(R"({"name": "mine", "items": 3, "range": [1, 5], "reverse": [2],
        "scores": [{"name": "total", "method": "sum"}]})", "mine.json"), "mine.json");
    EXPECT_DOUBLE_EQ(trial::score_items(ins, {1, 5, 3}).values[0], 5);  // 1 + (6 - 5) + 3
    EXPECT_THROW(trial::parse_instrument(io::parse_json(R"({"name": "x", "items": 3, "range": [1, 5], "reverse": [4],
        "scores": [{"name": "t"}]})", "x.json"), "x.json"), Error);
    EXPECT_THROW(trial::load_instrument("no-such-instrument"), Error);
}

TEST(TrialScore, TableOutOfRangeNamesRowAndColumn) {
    const auto ins = trial::load_instrument("gad7");
    io::Table t({"participant_id", "gad7_01_pre", "gad7_02_pre", "gad7_03_pre", "gad7_04_pre", "gad7_05_pre", "gad7_06_pre", "gad7_07_pre"});
    t.set_source("q.tsv");
    t.add_row({"sub-01", "1", "2", "3", "0", "1", "2", "1"});
    t.add_row({"sub-02", "1", "2", "3", "4", "1", "2", "1"});
    const auto ok = trial::score_table(io::parse_table("participant_id\tgad7_01_pre\tgad7_02_pre\tgad7_03_pre\tgad7_04_pre\tgad7_05_pre\tgad7_06_pre\tgad7_07_pre\n"
                                                       "sub-01\t1\t2\t3\t0\t1\t2\tn/a\n", "q.tsv"),
                                       ins, "gad7_{item:02d}_pre", {"participant_id"}, "gad7_");
    EXPECT_EQ(ok.cell(0, 0), "sub-01");
    EXPECT_EQ(ok.cell(0, 1), io::format_number(9.0 / 6 * 7));
    try {
        trial::score_table(t, ins, "gad7_{item:02d}_pre", {"participant_id"}, "gad7_");
        FAIL() << "out-of-range answer accepted";
    } catch (const Error& e) {
        EXPECT_NE(e.message().find("line 3, column 'gad7_04_pre'"), std::string::npos) << e.message();
    }
    try {
        trial::score_table(t, ins, "gad7_{item}", {}, "gad7_");
        FAIL() << "missing item columns accepted";
    } catch (const Error& e) {
        EXPECT_NE(e.message().find("'gad7_1'"), std::string::npos) << e.message();
    }
}

}  // namespace
}  // namespace algia
