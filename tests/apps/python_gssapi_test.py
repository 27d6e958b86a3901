#!/usr/bin/python3
"""python-gssapi (Debian's python3-gssapi) through apx, MIT's mechanism as the control.

    python_gssapi_test.py APX_INTERPOSER_CONF

The same scenario runs twice in child processes, once with apx as the interposer and once
with MIT's built-in mechanism (an empty mech.conf): names, establishment with mutual
authentication and delegation, the context's attributes, wrap/unwrap and MIC both ways,
wrap size limits, the delegated credential stored into a ccache (gss_store_cred_into),
and the acceptor's context exported and imported in a third process that goes on with
the conversation. The two transcripts must be equal; apx's trace must show it served
both ends in the apx run and stay empty in the control.
"""
import json
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = '/usr/bin/python3'  # Debian's, where python3-gssapi lives

SCENARIO = r'''
import json, os, sys
import gssapi

out = []
def say(key, value):
    out.append([key, value])

target = gssapi.Name('host@localhost', gssapi.NameType.hostbased_service)
flags = [gssapi.RequirementFlag.mutual_authentication, gssapi.RequirementFlag.replay_detection,
         gssapi.RequirementFlag.out_of_sequence_detection,
         gssapi.RequirementFlag.confidentiality, gssapi.RequirementFlag.integrity,
         gssapi.RequirementFlag.delegate_to_peer]
client = gssapi.SecurityContext(name=target, usage='initiate', flags=flags)
server = gssapi.SecurityContext(creds=gssapi.Credentials(usage='accept'), usage='accept')
token = client.step()
rounds = 0
while not (client.complete and server.complete):
    rounds += 1
    token = server.step(token)
    if not client.complete:
        token = client.step(token)
say('rounds', rounds)
say('initiator_name', str(server.initiator_name))
say('target_name', str(client.target_name))
say('client_mech', str(client.mech))
say('server_flags', sorted(int(f) for f in server.actual_flags))
say('client_complete', client.complete)
say('delegated', server.delegated_creds is not None)
say('delegated_name', str(server.delegated_creds.name))

for size in (0, 1, 100, 70000):
    msg = bytes((i * 7) % 251 for i in range(size))
    for conf in (True, False):
        w = client.wrap(msg, conf)
        u = server.unwrap(w.message)
        say('wrap_c2s_%d_%s' % (size, conf), [u.message == msg, u.encrypted == conf])
        w = server.wrap(msg, conf)
        u = client.unwrap(w.message)
        say('wrap_s2c_%d_%s' % (size, conf), [u.message == msg, u.encrypted == conf])
    sig = client.get_signature(msg)
    server.verify_signature(msg, sig)
    say('mic_%d' % size, True)
sig = client.get_signature(b'message')
try:
    server.verify_signature(b'other', sig)
    say('mic_mismatch', 'accepted')
except gssapi.exceptions.GSSError as e:
    say('mic_mismatch', 'refused %#x' % e.maj_code)
server.verify_signature(b'message', sig)  # the right message still verifies after
say('mic_after_mismatch', True)
say('wrap_size_limit_conf', client.get_wrap_size_limit(4096, encrypted=True) > 4000)

ccache = os.environ['APX_TEST_DIR'] + '/delegated-' + os.environ['APX_TEST_LABEL']
server.delegated_creds.store(store={b'ccache': ('FILE:' + ccache).encode()}, overwrite=True)
say('stored_ccache', os.path.exists(ccache))

# The acceptor's context goes to another process, which carries on with the initiator.
exported = server.export()
to_peer = client.wrap(b'to the imported acceptor', True).message
peer = __import__('subprocess').run(
    [sys.executable, '-c', os.environ['APX_TEST_IMPORTER']],
    input=json.dumps([exported.hex(), to_peer.hex()]).encode(), capture_output=True)
if peer.returncode != 0:
    say('import', 'failed: ' + peer.stderr.decode()[-300:])
else:
    answer = json.loads(peer.stdout)
    say('import', answer['got'])
    reply = client.unwrap(bytes.fromhex(answer['reply']))
    say('reply_from_imported', reply.message.decode())
print(json.dumps(out))
'''

IMPORTER = r'''
import json, sys
import gssapi
ctx_hex, msg_hex = json.loads(sys.stdin.read())
ctx = gssapi.SecurityContext(token=bytes.fromhex(ctx_hex))
got = ctx.unwrap(bytes.fromhex(msg_hex)).message.decode()
reply = ctx.wrap(b'from the imported acceptor', True).message
print(json.dumps({'got': got, 'reply': reply.hex()}))
'''


def realm_env(d):
    env = {}
    with open(os.path.join(d, 'env')) as f:
        for line in f:
            if line.startswith('export '):
                k, v = line[len('export '):].strip().split('=', 1)
                env[k] = v.strip("'")
    return env


def run(label, conf, d, base_env):
    trace = os.path.join(d, 'trace-' + label)
    env = dict(base_env)
    env.update(GSS_MECH_CONFIG=conf, APX_TRACE=trace, APX_TEST_DIR=d, APX_TEST_LABEL=label,
               APX_TEST_IMPORTER=IMPORTER)
    p = subprocess.run([PYTHON, '-c', SCENARIO], env=env, capture_output=True, timeout=120)
    if p.returncode != 0:
        print('%s run failed:\n%s' % (label, p.stderr.decode()[-2000:]))
        return None, ''
    t = open(trace).read() if os.path.exists(trace) else ''
    return json.loads(p.stdout), t


def main():
    conf = sys.argv[1]
    d = tempfile.mkdtemp(prefix='apx-pygss.')
    subprocess.run([os.path.join(TOP, 'scripts', 'realm'), 'start', d], check=True)
    try:
        base = {k: v for k, v in os.environ.items() if k not in ('LD_PRELOAD',)}
        base.update(realm_env(d))
        mit, mit_trace = run('mit', os.path.join(d, 'empty-mech.conf'), d, base)
        apx, apx_trace = run('apx', conf, d, base)
        failures = []
        if mit is None or apx is None:
            failures.append('a run failed')
        else:
            for (k, v), (k2, v2) in zip(mit, apx):
                mark = 'ok ' if (k, v) == (k2, v2) else 'DIFF'
                print('%s %-28s MIT %-34s apx %s' % (mark, k, json.dumps(v), json.dumps(v2)))
                if (k, v) != (k2, v2):
                    failures.append(k)
            if len(mit) != len(apx):
                failures.append('transcripts of different lengths')
            if dict(mit).get('import') != 'to the imported acceptor':
                failures.append('the control did not import the context')
        if mit_trace:
            failures.append("apx's trace is not empty in MIT's run")
        if 'accept_sec_context: accepted' not in apx_trace or 'init_sec_context: AP-REQ' not in apx_trace:
            failures.append("apx's trace does not show it served both ends")
        checks = len(mit or [])
        print('python-gssapi: %d checks, %d differences or failures' % (checks, len(failures)))
        for f in failures:
            print('FAIL: ' + f)
        return 1 if failures else 0
    finally:
        subprocess.run([os.path.join(TOP, 'scripts', 'realm'), 'stop', d])


if __name__ == '__main__':
    sys.exit(main())
