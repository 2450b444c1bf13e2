#include "algia/io/json.hpp"

#include "algia/core/error.hpp"
#include "test_support.hpp"

using namespace algia;

TEST(Json, ParseErrorNamesFileAndLine) {
    EXPECT_ALGIA_ERROR(io::parse_json("{\n  \"a\": 1,\n  \"b\" 2\n}", "side.json"), Kind::invalid_input,
                       "side.json: line 3");
}

TEST(Json, NumbersFromSidecars) {
    const auto j = io::parse_json(R"({"RepetitionTime": 2.0, "TaskName": "rest"})", "s.json");
    EXPECT_DOUBLE_EQ(*io::json_number(j, "RepetitionTime", "s.json"), 2.0);
    EXPECT_FALSE(io::json_number(j, "StartTime", "s.json").has_value());
    EXPECT_ALGIA_ERROR(io::json_number(j, "TaskName", "s.json"), Kind::invalid_input, "not a number");
}

TEST(Json, RealConfoundsSidecarReads) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto j = io::read_json(test::shared_data() +
                                 "/fmri/fmriprep_confounds_nilearn/test-v21_desc-confounds_timeseries.json");
    EXPECT_TRUE(j.is_object());
    EXPECT_GT(j.size(), 10u);
}

namespace algia::io {
namespace {

// Found by the TSV/JSON fuzzer: syntactically valid JSON whose number overflows a double made the
// parser throw an exception algia did not turn into its own error.
TEST(Json, NumberOutOfRangeIsAClearError) {
    try {
        (void)parse_json("{\"a\": 1e999}", "x.json");
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Kind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("x.json"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace algia::io
