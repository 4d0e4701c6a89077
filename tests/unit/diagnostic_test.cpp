#include "core/diagnostic.hpp"

#include <gtest/gtest.h>

namespace taskmock {

TEST(DiagnosticTest, FormatsLikeACompiler) {
    Diagnostic diagnostic{{"fixtures/orkes/x.json", 14, 15}, Severity::error, "/status: bad", "schema.enum"};
    EXPECT_EQ(format(diagnostic), "fixtures/orkes/x.json:14:15: error: /status: bad [schema.enum]");
}

TEST(DiagnosticTest, WholeFileLocationOmitsLineAndColumn) {
    Diagnostic diagnostic{{"fixtures/nope", 0, 0}, Severity::warning, "ignored", ""};
    EXPECT_EQ(format(diagnostic), "fixtures/nope: warning: ignored");
}

TEST(DiagnosticTest, LocationOfCountsLinesAndColumnsFromOne) {
    Location location = location_of("f", "ab\ncd\nef", 4);
    EXPECT_EQ(location.line, 2u);
    EXPECT_EQ(location.column, 2u);
}

TEST(DiagnosticTest, SortedOrdersByFileThenLineAndKeepsNotesWithTheirEntry) {
    Diagnostics diagnostics;
    diagnostics.error({"b.json", 3, 1}, "late", "c");
    diagnostics.note({"a.json", 9, 9}, "note for late", "c");
    diagnostics.error({"a.json", 2, 5}, "early", "c");
    diagnostics.error({"b.json", 1, 1}, "first in b", "c");
    std::vector<Diagnostic> sorted = diagnostics.sorted();
    ASSERT_EQ(sorted.size(), 4u);
    EXPECT_EQ(sorted[0].message, "early");
    EXPECT_EQ(sorted[1].message, "first in b");
    EXPECT_EQ(sorted[2].message, "late");
    EXPECT_EQ(sorted[3].message, "note for late");
    EXPECT_EQ(diagnostics.error_count(), 3u);
}

}  // namespace taskmock
