"""Runs one of MIT krb5's k5test scripts with apx as the interposer in every realm.

k5test points GSS_MECH_CONFIG at a mech.conf of each realm's own (absent by default), so a
GSS_MECH_CONFIG set from outside never reaches the programs. This wrapper imports k5test
first, has every realm write apx's interposer line into that file, then runs the script
as its Makefile would: `python3 k5test_apx.py APX_CONF SCRIPT [k5test options]`.

Scripts that write the realm's mech.conf themselves (t_negoex) keep apx's line: writes to
that file go through keep_apx_line.
"""
import builtins
import os
import runpy
import sys

apx_conf, script = sys.argv[1], sys.argv[2]
sys.argv = [script] + sys.argv[3:]
with open(apx_conf) as f:
    apx_line = ''.join(l for l in f if l.strip() and not l.lstrip().startswith('#'))

import k5test  # noqa: E402  (after sys.argv is the script's)

_real_open = builtins.open
_mech_confs = set()


class _KeepApxLine:
    """A mech.conf opened for writing: apx's line goes first, whatever the script writes."""

    def __init__(self, f):
        self._f = f
        f.write(apx_line)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()

    def __getattr__(self, name):
        return getattr(self._f, name)


def keep_apx_line(file, mode='r', *args, **kwargs):
    f = _real_open(file, mode, *args, **kwargs)
    if isinstance(file, str) and os.path.abspath(file) in _mech_confs and 'w' in mode:
        return _KeepApxLine(f)
    return f


builtins.open = keep_apx_line
_real_create_acl = k5test.K5Realm._create_acl


def _create_acl_and_mech_conf(self, *args, **kwargs):
    # Called by K5Realm.__init__ once the realm's directory exists and before any daemon
    # or program of the realm runs.
    _real_create_acl(self, *args, **kwargs)
    path = os.path.abspath(self.gss_mech_config)
    _mech_confs.add(path)
    with keep_apx_line(path, 'w'):
        pass


k5test.K5Realm._create_acl = _create_acl_and_mech_conf
runpy.run_path(script, run_name='__main__')
