/*
 * fed_catalog.h — a catalog of one kind, "mixed", with one field per
 * aggregation (last, sum, avg, max, rate): the federation's unit tests
 * (tests/unit/test_rollup.c) and its daemons in tests/integration/
 * test_federation.c read the same definition.
 */
#ifndef CB_TESTS_FED_CATALOG_H
#define CB_TESTS_FED_CATALOG_H

static const char fed_catalog[] =
    "{\"version\":1,\"kinds\":[{\"code\":\"mixed\",\"names\":{\"zh\":\"混合\",\"en\":\"mixed\"},"
    "\"keywords\":[\"mixed\"],\"period\":\"month\",\"agg\":\"sum\","
    "\"deadline\":{\"day\":25,\"hour\":18,\"remind_hours\":24},"
    "\"example\":{\"zh\":\"mixed stock 1\",\"en\":\"mixed stock 1\"},\"fields\":["
    "{\"code\":\"stock\",\"names\":{\"zh\":\"存量\",\"en\":\"stock\"},\"type\":\"decimal\",\"scale\":2,"
    "\"min\":0,\"max\":1000000,\"agg\":\"last\"},"
    "{\"code\":\"metres\",\"names\":{\"zh\":\"米\",\"en\":\"metres\"},\"type\":\"decimal\",\"scale\":1,"
    "\"min\":0,\"max\":1000000,\"agg\":\"sum\"},"
    "{\"code\":\"attendance\",\"names\":{\"zh\":\"出勤\",\"en\":\"attendance\"},\"type\":\"count\","
    "\"min\":0,\"max\":1000000,\"agg\":\"avg\"},"
    "{\"code\":\"peak\",\"names\":{\"zh\":\"峰值\",\"en\":\"peak\"},\"type\":\"count\","
    "\"min\":0,\"max\":1000000,\"agg\":\"max\"},"
    "{\"code\":\"passed\",\"names\":{\"zh\":\"合格\",\"en\":\"passed\"},\"type\":\"yesno\",\"agg\":\"rate\","
    "\"yes\":[\"yes\"],\"no\":[\"no\"]}]}]}";

#endif
