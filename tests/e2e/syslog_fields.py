"""Alert records as the collector's fields: for the syslog_*.sh tests.

flat(record) turns one alerts.json object into {dotted.key: text} the way
canhgacd's outputs flatten it (src/jsonflat.c): nested keys joined by
'.', arrays of scalars by ',', booleans as true/false; an array with an
object inside (dns.queries) is left out.
"""


def scalar(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


def flat(d, p=''):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, p + k + '.'))
        elif isinstance(v, list):
            if not any(isinstance(x, (dict, list)) for x in v):
                out[p + k] = ','.join(scalar(x) for x in v)
        else:
            out[p + k] = scalar(v)
    return out
