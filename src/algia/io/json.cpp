#include "algia/io/json.hpp"

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"

namespace algia::io {

Json parse_json(const std::string& text, const std::string& name) {
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // Turn the byte offset into a line number.
        std::size_t line = 1;
        for (std::size_t i = 0; i < e.byte && i < text.size(); ++i)
            if (text[i] == '\n') ++line;
        throw Error(Kind::invalid_input, fmt::format("{}: line {}: not valid JSON ({})", name, line, e.what()))
            .hint("check for a missing comma, quote or brace near that line");
    } catch (const nlohmann::json::exception& e) {
        // Valid syntax the parser still refuses, e.g. a number beyond double range (1e999).
        throw Error(Kind::invalid_input, fmt::format("{}: not usable JSON ({})", name, e.what()))
            .hint("check the numbers in the file (out of range?)");
    }
}

Json read_json(const std::string& path) { return parse_json(read_text_file(path), path); }

void write_json(const std::string& path, const Json& value) {
    write_text_file_atomic(path, value.dump(2) + "\n");
}

std::optional<double> json_number(const Json& j, const std::string& key, const std::string& name) {
    if (!j.is_object() || !j.contains(key)) return std::nullopt;
    const auto& v = j.at(key);
    if (!v.is_number())
        throw Error(Kind::invalid_input, fmt::format("{}: '{}' is {}, not a number", name, key, v.dump()))
            .hint(fmt::format("write \"{}\": <number>", key));
    return v.get<double>();
}

}  // namespace algia::io
