// algia trial attributions: the shipped codebook on the simulator's phrases and on negations;
// Cohen's kappa on a hand-computed example.

#include <cmath>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "algia/trial/attribution.hpp"

namespace algia {
namespace {

TEST(TrialAttributions, ShippedCodebookCodesTypicalCauses) {
    const auto cb = trial::load_codebook("");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"lifting a heavy box at work", "injury"}, {"a car accident", "injury"}, {"A fall on the ice", "injury"},
        {"too much running", "activity"}, {"gardening all weekend", "activity"}, {"carrying my kids", "activity"},
        {"a herniated disc", "spinal condition"}, {"arthritis in my spine", "spinal condition"}, {"scoliosis", "spinal condition"},
        {"tight muscles", "physiology"}, {"inflammation in my back", "physiology"}, {"weak core muscles", "physiology"},
        {"it runs in my family", "hereditary"}, {"my genes", "hereditary"}, {"stress at work", "stress"},
        {"a stressful divorce", "stress"}, {"money worries", "stress"}, {"sitting all day", "sedentary"},
        {"lack of exercise", "sedentary"}, {"getting older", "age"}, {"wear and tear with age", "age"},
        {"bad posture", "negligence"}, {"not stretching enough", "negligence"}, {"anxiety", "psychological"},
        {"depression", "psychological"}, {"fear of moving", "psychological"}, {"emotions I hold in", "psychological"},
        {"my brain is stuck in a pain loop", "brain"}, {"oversensitive nerves", "brain"}, {"pain my brain learned", "brain"},
        {"bad luck", "other"}, {"the weather", "other"}, {"xyzzy", "uncoded"}};
    for (const auto& c : cases) EXPECT_EQ(trial::code_text(cb, c.first).category, c.second) << c.first;
}

TEST(TrialAttributions, NegationCuesSuppressMatches) {
    const auto cb = trial::load_codebook("");
    auto c = trial::code_text(cb, "it is not stress related, it is a disc problem");
    EXPECT_EQ(c.category, "spinal condition");
    ASSERT_FALSE(c.negated.empty());
    c = trial::code_text(cb, "nothing to do with my brain");
    EXPECT_EQ(c.category, "uncoded");
    c = trial::code_text(cb, "stress, not an injury");
    EXPECT_EQ(c.category, "stress");
    EXPECT_EQ(c.all.size(), 1u);
}

TEST(TrialAttributions, CodebookErrorsNameTheLine) {
    const auto t = io::parse_table("category\tpattern\ttype\nbrain\tbrain*\tphrase\nstress\t(\tregex\n", "cb.tsv");
    try {
        trial::parse_codebook(t);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(e.message().find("cb.tsv: line 3"), std::string::npos) << e.message();
    }
}

TEST(TrialAttributions, CohensKappaHandComputed) {
    // Confusion (reference rows x algia columns) over categories a, b, c:
    //   a: 20  5  0      row sums 25, 30, 45; column sums 30, 25, 45; N = 100
    //   b: 10 15  5      p_o = (20 + 15 + 40) / 100 = 0.75
    //   c:  0  5 40      p_e = (25*30 + 30*25 + 45*45) / 100^2 = 0.3525
    // kappa = (0.75 - 0.3525) / (1 - 0.3525) = 0.3975 / 0.6475.
    std::vector<std::string> ref, alg;
    const int m[3][3] = {{20, 5, 0}, {10, 15, 5}, {0, 5, 40}};
    const char* names[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < m[i][j]; ++k) ref.push_back(names[i]), alg.push_back(names[j]);
    const auto a = trial::agreement(ref, alg);
    EXPECT_EQ(a.n, 100);
    EXPECT_DOUBLE_EQ(a.observed, 0.75);
    EXPECT_NEAR(a.expected, 0.3525, 1e-15);
    EXPECT_NEAR(a.kappa, 0.3975 / 0.6475, 1e-14);
    // Category a vs rest: yes/yes 20, ref-only 5, algia-only 10, no/no 65 -> agreement 0.85;
    // p_e = 0.25*0.30 + 0.75*0.70 = 0.6; kappa = (0.85 - 0.6) / 0.4 = 0.625.
    EXPECT_EQ(a.per_category[0].category, "a");
    EXPECT_NEAR(a.per_category[0].agreement, 0.85, 1e-15);
    EXPECT_NEAR(a.per_category[0].kappa, 0.625, 1e-14);
}

}  // namespace
}  // namespace algia
