// checker/src/report/token.cpp — replay token codec (see token.hpp for the format).
#include "report/token.hpp"

#include <cmath>

namespace weft::check::detail {

namespace {

constexpr std::string_view prefix = "weft1:";
constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    v |= std::uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

std::uint16_t checksum(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return static_cast<std::uint16_t>(h ^ (h >> 16));
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::uint32_t site_hash(const char* file, unsigned line) noexcept {
  // Only the file's base name: the same test built in another directory keeps its tokens.
  const char* base = file;
  for (const char* p = file; *p; p++) {
    if (*p == '/') base = p + 1;
  }
  std::uint32_t h = 2166136261u;
  for (const char* p = base; *p; p++) {
    h ^= static_cast<std::uint8_t>(*p);
    h *= 16777619u;
  }
  h ^= line;
  h *= 16777619u;
  return h;
}

std::string encode_token(const schedule_token& t) {
  std::string raw;
  raw.push_back(1);
  raw.push_back(static_cast<char>(t.strat));
  raw.push_back(static_cast<char>(t.flags));
  raw.push_back(static_cast<char>(t.fail));
  put_varint(raw, t.seed);
  put_varint(raw, t.execution);
  put_varint(raw, t.site);
  put_varint(raw, t.choices.size());
  for (auto [n, v] : t.choices) put_varint(raw, std::uint64_t(n) * (n - 1) / 2 + v);
  std::uint16_t ck = checksum(raw);
  raw.push_back(static_cast<char>(ck & 0xff));
  raw.push_back(static_cast<char>(ck >> 8));

  std::string out(prefix);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : raw) {
    acc = (acc << 8) | static_cast<std::uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(b64[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(b64[(acc << (6 - bits)) & 63]);
  return out;
}

std::optional<schedule_token> decode_token(std::string_view text, std::string* err) {
  auto fail = [&](const std::string& why) -> std::optional<schedule_token> {
    if (err) *err = why;
    return std::nullopt;
  };
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.substr(0, 4) != "weft") return fail("it does not start with \"weft1:\"");
  if (text.substr(0, prefix.size()) != prefix) {
    return fail("unsupported token version (this build reads \"weft1:\" tokens)");
  }
  text.remove_prefix(prefix.size());
  std::string raw;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); i++) {
    int v = b64_value(text[i]);
    if (v < 0) {
      return fail("character '" + std::string(1, text[i]) + "' at position " +
                  std::to_string(prefix.size() + i + 1) + " is not base64url");
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (raw.size() < 6) return fail("it is too short (truncated when copied?)");
  std::string_view body(raw.data(), raw.size() - 2);
  std::uint16_t want = static_cast<std::uint16_t>(static_cast<std::uint8_t>(raw[raw.size() - 2]) |
                                                  (static_cast<std::uint8_t>(raw.back()) << 8));
  if (checksum(body) != want) return fail("its checksum does not match (truncated or mistyped?)");
  schedule_token t;
  std::string_view in = body;
  if (static_cast<std::uint8_t>(in[0]) != 1) return fail("unknown token kind");
  t.strat = static_cast<std::uint8_t>(in[1]);
  t.flags = static_cast<std::uint8_t>(in[2]);
  t.fail = static_cast<std::uint8_t>(in[3]);
  in.remove_prefix(4);
  std::uint64_t site = 0, count = 0;
  if (!get_varint(in, t.seed) || !get_varint(in, t.execution) || !get_varint(in, site) ||
      !get_varint(in, count)) {
    return fail("its header is cut short");
  }
  t.site = static_cast<std::uint32_t>(site);
  if (count > in.size()) return fail("it claims more choices than it holds");
  t.choices.reserve(count);
  for (std::uint64_t i = 0; i < count; i++) {
    std::uint64_t x;
    if (!get_varint(in, x)) return fail("choice " + std::to_string(i + 1) + " is cut short");
    // Invert x = n(n-1)/2 + v with 0 <= v < n.
    auto n = static_cast<std::uint64_t>((1.0 + std::sqrt(1.0 + 8.0 * double(x))) / 2.0);
    while (n * (n - 1) / 2 > x) n--;
    while ((n + 1) * n / 2 <= x) n++;
    std::uint64_t v = x - n * (n - 1) / 2;
    if (n < 1 || v >= n || n > 0xffffffffu) return fail("choice " + std::to_string(i + 1) + " is invalid");
    t.choices.emplace_back(static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(v));
  }
  if (!in.empty()) return fail("it has trailing bytes");
  return t;
}

}  // namespace weft::check::detail
