// fuzz_accept: bytes as an Accept header, negotiated against the media types
// Cognigy offers (the variant with the most).
//
// Invariants: parsed ranges are lower-case tokens with a quality in 0..1, in
// header order; negotiation picks an offered index, takes the default for an
// empty header, and picks something whenever an offered type is named
// exactly by a range with a quality above 0 (the first such range for a
// type decides it); the chosen type's quality is at least that range's.
// essence() is idempotent.

#include <algorithm>
#include <cctype>

#include "core/media_type.hpp"
#include "fuzz/entries.hpp"
#include "fuzz/support.hpp"

namespace taskmock::fuzz {

namespace {

constexpr std::string_view kTarget = "fuzz_accept";

const std::vector<std::string>& offered() {
    static const std::vector<std::string> types = [] {
        for (const VariantDescription& variant : shipped_catalogue().variants) {
            if (variant.name != "cognigy") continue;
            std::vector<std::string> result;
            for (const MediaType& type : variant.media_types) result.push_back(type.type);
            return result;
        }
        fail(kTarget, "no cognigy variant is shipped");
    }();
    return types;
}

bool is_lower_token(const std::string& text) {
    return !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
        unsigned char u = static_cast<unsigned char>(c);
        return std::isupper(u) || u <= 0x20 || u >= 0x7f || c == '/' || c == ',' || c == ';';
    });
}

// The quality the client gives the offered type when a range names it exactly.
std::optional<double> exact_quality(const std::vector<MediaRange>& ranges, const std::string& type) {
    for (const MediaRange& range : ranges) {
        if (range.type + "/" + range.subtype == type) return range.quality;
    }
    return std::nullopt;
}

}  // namespace

int fuzz_accept(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::string>& types = offered();
    std::string_view header(reinterpret_cast<const char*>(data), size);

    std::vector<MediaRange> ranges = parse_accept(header);
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        const MediaRange& range = ranges[i];
        require(is_lower_token(range.type) && is_lower_token(range.subtype), kTarget,
                "range \"" + range.type + "/" + range.subtype + "\" is not two lower-case tokens");
        require(range.quality >= 0 && range.quality <= 1, kTarget, "quality " + std::to_string(range.quality));
        require(i == 0 || range.position > ranges[i - 1].position, kTarget, "ranges out of header order");
        require(range.type != "*" || range.subtype == "*", kTarget, "a range */subtype was kept");
    }

    std::optional<std::size_t> chosen = negotiate(header, types);
    require(!chosen || *chosen < types.size(), kTarget, "negotiation picked index " + std::to_string(chosen.value_or(0)));
    bool blank = std::all_of(header.begin(), header.end(), [](char c) { return c == ' ' || c == '\t'; });
    if (blank) require(chosen == std::optional<std::size_t>(0), kTarget, "an empty Accept does not get the default");
    for (const std::string& type : types) {
        std::optional<double> quality = exact_quality(ranges, type);
        if (!quality || *quality <= 0) continue;
        require(chosen.has_value(), kTarget, type + " is accepted with q=" + std::to_string(*quality) + " but none is chosen");
        std::optional<double> chosen_quality = exact_quality(ranges, types[*chosen]);
        // The chosen type may be matched by a wildcard instead; only an exact
        // match of lower quality than another exact match is wrong.
        if (chosen_quality) {
            require(*chosen_quality >= *quality, kTarget,
                    types[*chosen] + " (q=" + std::to_string(*chosen_quality) + ") chosen over " + type +
                        " (q=" + std::to_string(*quality) + ")");
        }
    }

    std::string once = essence(header);
    require(essence(once) == once, kTarget, "essence is not idempotent on \"" + once + "\"");
    return 0;
}

}  // namespace taskmock::fuzz
