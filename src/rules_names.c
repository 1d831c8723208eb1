/*
 * The words of the rule language that alerts carry too: category and
 * severity names. A leaf of its own, so that the alert record names a
 * rule's category without calling into the rules module, which calls
 * the alert module for every alert.
 */
#include "config.h"

#include "rules.h"
#include "rules-internal.h"

const char *const rule_category_names[CAT_MAX] = {
#define X(id, name) name,
	RULE_CATEGORIES(X)
#undef X
};

const char *const rule_severity_names[6] = {
	"", "critical", "high", "medium", "low", "info"
};

const char *
rules_category_name(int c)
{
	return c >= 0 && c < CAT_MAX ? rule_category_names[c] : "unknown";
}

const char *
rules_severity_name(int s)
{
	return s >= 1 && s <= 5 ? rule_severity_names[s] : "unknown";
}
