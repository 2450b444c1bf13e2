// [[mixed_model]] entries of the study configuration: defaults, every key, and errors naming the line.

#include <string>

#include <gtest/gtest.h>

#include "algia/core/error.hpp"
#include "algia/pipeline/config.hpp"

namespace algia::pipeline {
namespace {

TEST(ConfigMixedModel, DefaultsAndKeys) {
    const auto c = parse_config(
        "[[mixed_model]]\nname = \"a\"\noutcome = \"signature_pain\"\n\n"
        "[[mixed_model]]\nname = \"b\"\noutcome = \"pain\"\nformula = \"~ arm * session + age\"\nrandom = \"(1 + visit | id)\"\n"
        "emmeans = [\"arm:session\", \"session\"]\nreml = false\n",
        "s.toml", ".");
    ASSERT_EQ(c.mixed_models.size(), 2u);
    EXPECT_EQ(c.mixed_models[0].formula, "~ arm * session");
    EXPECT_EQ(c.mixed_models[0].random, "(1 | id)");
    EXPECT_TRUE(c.mixed_models[0].reml);
    EXPECT_TRUE(c.mixed_models[0].emmeans.empty());
    EXPECT_EQ(c.mixed_models[0].origin.line, 1);
    EXPECT_EQ(c.mixed_models[1].random, "(1 + visit | id)");
    EXPECT_FALSE(c.mixed_models[1].reml);
    EXPECT_EQ(c.mixed_models[1].emmeans.size(), 2u);
    EXPECT_EQ(c.mixed_models[1].origin.line, 5);
    // The hash covers the mixed models; a configuration without them keeps its old canonical form.
    EXPECT_NE(canonical_json(c).find("\"mixed_model\""), std::string::npos);
    EXPECT_EQ(canonical_json(parse_config("", "s.toml", ".")).find("mixed_model"), std::string::npos);
}

std::string error_of(const std::string& text) {
    try {
        parse_config(text, "s.toml", ".");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(ConfigMixedModel, Errors) {
    EXPECT_NE(error_of("[[mixed_model]]\nname = \"a\"\n").find("s.toml:1:1: mixed model 'a' needs an outcome"), std::string::npos);
    EXPECT_NE(error_of("[[mixed_model]]\nname = \"a\"\noutcome = \"p\"\nformula = \"p ~ arm\"\n").find("s.toml:4:"), std::string::npos);
    EXPECT_NE(error_of("[[mixed_model]]\nname = \"a\"\noutcome = \"p\"\nformula = \"~ arm + (1|id)\"\n").find("random ="), std::string::npos);
    EXPECT_NE(error_of("[[mixed_model]]\nname = \"a\"\noutcome = \"p\"\nrandom = \"id\"\n").find("s.toml:4:"), std::string::npos);
    EXPECT_NE(error_of("[[mixed_model]]\nname = \"a\"\noutcome = \"p\"\nrandm = \"(1|id)\"\n").find("unknown key 'randm'"), std::string::npos);
    EXPECT_NE(error_of("[[model]]\nname = \"a\"\noutcome = \"p\"\n[[mixed_model]]\nname = \"a\"\noutcome = \"p\"\n").find("used twice"),
              std::string::npos);
    EXPECT_NE(error_of("[[mixed_model]]\nname = \"a b\"\noutcome = \"p\"\n").find("file name"), std::string::npos);
}

}  // namespace
}  // namespace algia::pipeline
