#pragma once
// Small text helpers shared by the formula parsers (design formulas, mixed-model formulas).

#include <cctype>
#include <string>
#include <vector>

namespace algia {

// `s` without leading and trailing white space.
inline std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

// `s` cut at every `sep`, each piece trimmed (an empty input gives one empty piece).
inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(trim(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(trim(cur));
    return out;
}

}  // namespace algia
