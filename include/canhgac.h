/*
 * Transition umbrella: every module header, for code not yet converted
 * (branches in flight). Nothing in src/ includes it; include the
 * headers of the modules you use instead. To be removed.
 */
#ifndef CANHGAC_H
#define CANHGAC_H

#include "types.h"
#include "log.h"
#include "xmalloc.h"
#include "util.h"
#include "decode.h"
#include "community_id.h"
#include "app.h"
#include "flow.h"
#include "jsonw.h"
#include "yamldoc.h"
#include "jsonflat.h"
#include "ipset.h"
#include "domset.h"
#include "threshold.h"
#include "rules.h"
#include "alert.h"
#include "daemon.h"
#include "spool.h"
#include "output.h"
#include "conf.h"
#include "capture.h"
#include "eventlog.h"
#include "sensor.h"
#include "control.h"
#include "compliance.h"
#include "state.h"
#include "stream.h"
#include "lifecycle.h"
#include "stats.h"

#endif /* CANHGAC_H */
