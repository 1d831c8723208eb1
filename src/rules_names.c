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

/*
 * The same in Vietnamese, as an officer here writes them, for the
 * {category} and {severity} of Vietnamese messages and the report.
 */
static const char *const category_names_vi[CAT_MAX] = {
	"dò quét", "dò mật khẩu", "vi phạm chính sách",
	"giao thức không mã hóa", "mã hóa yếu", "lộ lọt dữ liệu",
	"đưa dữ liệu ra ngoài", "dấu hiệu xâm phạm", "DNS",
	"bất thường giao thức", "thiết bị lạ", "lệch khỏi mức bình thường",
	"máy chủ điều khiển (C2)", "tình trạng cảm biến"
};
_Static_assert(sizeof(category_names_vi) / sizeof(category_names_vi[0]) ==
    CAT_MAX && CAT_SENSOR == 13, "a Vietnamese name for every category");

static const char *const severity_names_vi[6] = {
	"", "nghiêm trọng", "cao", "trung bình", "thấp", "thông tin"
};

const char *
rules_category_name_vi(int c)
{
	return c >= 0 && c < CAT_MAX ? category_names_vi[c] : "không rõ";
}

const char *
rules_severity_name_vi(int s)
{
	return s >= 1 && s <= 5 ? severity_names_vi[s] : "không rõ";
}

const char *
rules_sensor_event_name(uint32_t e)
{
#define X(bit, name) if (e & (bit)) return name;
	SENSOR_EVENTS(X)
#undef X
	return "";
}

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
