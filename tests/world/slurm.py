"""A one-node Slurm cluster for tests, from Debian's slurm-wlm and munge, in a temporary folder.

Owned by the Slurm integration test (tests/integration/test_slurm.py); usable alone:
    python3 tests/world/slurm.py run -- COMMAND...   start, run COMMAND with SLURM_CONF set,
                                                     stop; exits with COMMAND's status
Must run as root, preferably inside `unshare -n` (loopback only): every daemon talks on
127.0.0.1 and on Unix sockets in the folder.

What it starts, each in the foreground of its own session, its PID recorded in BASE/pids and
stopped by that PID alone (never by name):
  munged      a key generated for this cluster (BASE/munge/munge.key), its own socket, pid, log
              and seed files under BASE/munge/ (--force: as root, munged would otherwise refuse
              a key and socket owned by root... in a folder it did not expect)
  slurmctld   -D, configured by BASE/slurm.conf (SLURM_CONF for every client)
  slurmd      -D -N localhost: the one node, NodeAddr=127.0.0.1, with the CPUs and memory
              `slurmd -C` finds
Everything runs as root (SlurmUser=root, SlurmdUser=root): no `slurm` or `munge` account, no
/run/munge, /var/spool/slurm* or /etc/slurm is used. Accounting is off (no slurmdbd): a job's
end state is read from `scontrol show job`, which keeps finished jobs for MinJobAge seconds.

Where things live (BASE: a mkdtemp folder, removed by stop()):
  slurm.conf  the configuration;  pids  "name pid" lines
  munge/      munge.key, munge.socket, munged.pid, munged.log, munged.seed
  state/      StateSaveLocation;  spool/  SlurmdSpoolDir
  log/        slurmctld.log, slurmd.log (and each daemon's stdout: *.out)

Python standard library only (and world.py beside it, for its wait_for).
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402  (tests/world/world.py: its wait_for)

START_TIMEOUT = 30.0
# Finished jobs stay visible to `scontrol show job` this long (no accounting database).
MIN_JOB_AGE = 1800


def free_port():
    """A TCP port free on 127.0.0.1 now (the kernel's choice; the daemon binds it moments later)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def node_hardware():
    """The node's hardware as `slurmd -C` prints it (CPUs=.. Boards=.. ... RealMemory=..), less
    its name and uptime: a node configured with more than it has is drained at registration."""
    r = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise RuntimeError("slurmd -C exited %d: %s" % (r.returncode, r.stderr.strip()))
    line = r.stdout.splitlines()[0].split()
    keep = ("CPUs=", "Boards=", "SocketsPerBoard=", "CoresPerSocket=", "ThreadsPerCore=",
            "RealMemory=")
    return " ".join(f for f in line if f.startswith(keep))


def slurm_conf(base, ctld_port, slurmd_port, hardware, extra=()):
    """slurm.conf's text; `extra` lines go at the end (a later key wins)."""
    d = lambda *p: os.path.join(base, *p)  # noqa: E731
    return "\n".join([
        "# One-node test cluster written by tests/world/slurm.py; removed with its folder.",
        "ClusterName=mxsurvey-test",
        "SlurmctldHost=localhost(127.0.0.1)",
        "SlurmctldPort=%d" % ctld_port,
        "SlurmdPort=%d" % slurmd_port,
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        "AuthInfo=socket=%s" % d("munge", "munge.socket"),
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "SwitchType=switch/none",
        # IPv4 alone makes Slurm resolve with AF_INET and AI_ADDRCONFIG, which glibc refuses in a
        # network namespace whose only IPv4 address is 127.0.0.1 (unshare -n): every address,
        # even "127.0.0.1", is "Name or service not known". With IPv6 on too it asks AF_UNSPEC,
        # which resolves there; the addresses used stay 127.0.0.1.
        "CommunicationParameters=EnableIPv6",
        # Jobs share the node by cores (the probe shards of a test run side by side).
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        # The scheduler runs on every submit and job end; its full pass every second, so a
        # job whose dependency was just met starts at once rather than within the default 60 s.
        "SchedulerType=sched/builtin",
        "SchedulerParameters=sched_interval=1,sched_min_interval=100000,batch_sched_delay=0",
        "ReturnToService=2",
        "SlurmctldTimeout=30",
        "SlurmdTimeout=60",
        "MessageTimeout=10",
        "InactiveLimit=0",
        "KillWait=5",
        "Waittime=0",
        "MinJobAge=%d" % MIN_JOB_AGE,
        "StateSaveLocation=%s" % d("state"),
        "SlurmdSpoolDir=%s" % d("spool"),
        "SlurmctldPidFile=%s" % d("slurmctld.pid"),
        "SlurmdPidFile=%s" % d("slurmd.pid"),
        "SlurmctldLogFile=%s" % d("log", "slurmctld.log"),
        "SlurmdLogFile=%s" % d("log", "slurmd.log"),
        "MailProg=/bin/true",  # no mail is sent; the default (/bin/mail) is not installed
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
        "NodeName=localhost NodeAddr=127.0.0.1 %s State=UNKNOWN" % hardware,
        "PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
        *extra,
        "",
    ])


class SlurmError(RuntimeError):
    pass


class Slurm:
    """start() brings the cluster up (or raises SlurmError with the daemons' logs and leaves
    nothing running); env() is the environment for sbatch, scontrol and the rest; stop()
    cancels what is left, stops the daemons by their PIDs and removes the folder. Also a
    context manager. `extra_conf`: lines added to slurm.conf (a test's broken setting)."""

    def __init__(self, parent=None, extra_conf=()):
        self.base = None  # the folder, kept after stop() removed it (a test checks it is gone)
        self.removed = False
        self.parent = parent
        self.extra_conf = list(extra_conf)
        self.pids = []  # (name, Popen), kept after stop()

    # ---------------------------------------------------------------- paths and environment
    def path(self, *p):
        return os.path.join(self.base, *p)

    @property
    def conf(self):
        return self.path("slurm.conf")

    def env(self, **extra):
        e = dict(os.environ)
        e["SLURM_CONF"] = self.conf
        # sbatch reads SBATCH_* site defaults from its environment: none may leak in from the
        # machine running the tests (a partition that does not exist here, say).
        for k in list(e):
            if k.startswith(("SBATCH_", "SLURM_")) and k != "SLURM_CONF":
                del e[k]
        e.update(extra)
        return e

    def run(self, *args, timeout=30):
        return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                              env=self.env(), stdin=subprocess.DEVNULL, errors="replace")

    def logs(self, lines=40):
        """The tail of every daemon log, for a failure message."""
        out = []
        for rel in ("munge/munged.log", "log/munged.out", "log/slurmctld.log", "log/slurmctld.out",
                    "log/slurmd.log", "log/slurmd.out"):
            p = self.path(rel)
            if os.path.exists(p) and os.path.getsize(p):
                with open(p, errors="replace") as f:
                    tail = f.readlines()[-lines:]
                out.append("---- %s\n%s" % (p, "".join(tail)))
        return "\n".join(out) or "(no daemon wrote a log)"

    # ---------------------------------------------------------------- start
    def start(self, timeout=START_TIMEOUT):
        if os.geteuid() != 0:
            raise SlurmError("the one-node Slurm runs its daemons as root (SlurmUser=root)")
        for tool in ("munged", "munge", "unmunge", "slurmctld", "slurmd", "sbatch", "scontrol"):
            if not shutil.which(tool):
                raise SlurmError("%s not found: scripts/install-deps.sh installs slurm-wlm and munge"
                                 % tool)
        self.base = tempfile.mkdtemp(prefix="mxs-slurm-", dir=self.parent)
        for sub in ("munge", "state", "spool", "log"):
            os.mkdir(self.path(sub), 0o700)
        try:
            self._start_munge(timeout)
            ctld_port = free_port()
            slurmd_port = free_port()
            while slurmd_port == ctld_port:  # each was free, but the kernel may hand one out twice
                slurmd_port = free_port()
            with open(self.conf, "w") as f:
                f.write(slurm_conf(self.base, ctld_port, slurmd_port, node_hardware(),
                                   self.extra_conf))
            self._spawn("slurmctld", ["slurmctld", "-D", "-f", self.conf])
            self._wait(lambda: self.run("scontrol", "ping").stdout.find("is UP") >= 0,
                       "slurmctld answering scontrol ping", timeout)
            self._spawn("slurmd", ["slurmd", "-D", "-N", "localhost", "-f", self.conf])
            self._wait(self._node_idle, "the node localhost idle in sinfo", timeout)
        except BaseException as e:
            logs = self.logs()
            self.stop()
            if isinstance(e, SlurmError):
                raise SlurmError("%s\n%s" % (e, logs)) from None
            raise
        return self

    def _start_munge(self, timeout):
        key = self.path("munge", "munge.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(1024))  # munge's own default key size (mungekey -b 8192)
        sock = self.path("munge", "munge.socket")
        self._spawn("munged", ["munged", "-F", "--force", "--socket=%s" % sock, "--key-file=%s" % key,
                               "--pid-file=%s" % self.path("munge", "munged.pid"),
                               "--log-file=%s" % self.path("munge", "munged.log"),
                               "--seed-file=%s" % self.path("munge", "munged.seed")])

        def answers():
            if not os.path.exists(sock):
                return False
            cred = subprocess.run(["munge", "-n", "-S", sock], capture_output=True, timeout=10,
                                  stdin=subprocess.DEVNULL)
            return cred.returncode == 0 and subprocess.run(
                ["unmunge", "-S", sock], input=cred.stdout, capture_output=True,
                timeout=10).returncode == 0
        self._wait(answers, "munged encoding and decoding a credential", timeout)

    def _node_idle(self):
        r = self.run("sinfo", "-h", "-n", "localhost", "-o", "%t")
        return r.returncode == 0 and r.stdout.strip() in ("idle", "mix", "alloc")

    def _spawn(self, name, args):
        out = open(self.path("log", name + ".out"), "w")
        try:
            p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=self.env(),
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
        self.pids.append((name, p))
        with open(self.path("pids"), "a") as f:
            f.write("%s %d\n" % (name, p.pid))
        return p

    def _wait(self, pred, what, timeout):
        """Until pred() (world.py's wait_for), or a SlurmError when a daemon exits first or
        the timeout passes. Every 0.2 s: each try runs a client (scontrol, sinfo, munge)."""
        def ready():
            for name, p in self.pids:
                if p.poll() is not None:
                    raise SlurmError("%s exited with status %d while waiting for %s"
                                     % (name, p.returncode, what))
            return pred()
        try:
            world.wait_for(ready, what, timeout=timeout, interval=0.2)
        except SlurmError:
            raise
        except RuntimeError:
            raise SlurmError("no %s after %.0f s" % (what, timeout)) from None

    # ---------------------------------------------------------------- jobs
    def job_states(self, jobid):
        """{task id or job id: (JobState, ExitCode)} for a job or every task of an array
        (`scontrol show job -o`, one line a task once they have started)."""
        r = self.run("scontrol", "show", "job", "-o", str(jobid))
        if r.returncode != 0:
            raise SlurmError("scontrol show job %s: %s" % (jobid, r.stderr.strip()))
        out = {}
        for line in r.stdout.splitlines():
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            key = f.get("ArrayTaskId", f.get("JobId"))
            out[key] = (f.get("JobState"), f.get("ExitCode"))
        return out

    def wait_jobs(self, jobids, timeout):
        """Waits until every task of every job has ended; returns {jobid: job_states(jobid)}.
        Raises SlurmError on the timeout, with the states seen."""
        ended = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                 "BOOT_FAIL", "DEADLINE", "PREEMPTED"}
        t0 = time.time()
        while True:
            states = {j: self.job_states(j) for j in jobids}
            # An array not yet started shows as one pending line for its tasks ("0-2").
            if all(s and all(st in ended for st, _ in s.values()) for s in states.values()):
                return states
            if time.time() - t0 > timeout:
                raise SlurmError("jobs not ended after %.0f s: %s" % (timeout, states))
            time.sleep(0.5)

    # ---------------------------------------------------------------- stop
    def stop(self, timeout=15.0):
        """Cancels every job of this cluster, stops the daemons by their PIDs (slurmd, then
        slurmctld, then munged: SIGTERM, SIGKILL after `timeout`) and removes the folder.
        Returns what it could not stop (empty when all went)."""
        if not self.base or self.removed:
            return []
        alive = {n for n, p in self.pids if p.poll() is None}
        if {"slurmctld", "slurmd"} <= alive:
            # Jobs run under slurmstepd, which slurmd started and which outlives it: end them
            # while the cluster still answers.
            self.run("scancel", "--full", "--quiet", "--user=root")
            t0 = time.time()
            while time.time() - t0 < timeout:
                r = self.run("squeue", "-h", "-o", "%i")
                if r.returncode != 0 or not r.stdout.strip():
                    break
                time.sleep(0.3)
        left = []
        order = {"slurmd": 0, "slurmctld": 1, "munged": 2}
        for name, p in sorted(self.pids, key=lambda np: order.get(np[0], 9)):
            if p.poll() is not None:
                continue
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    left.append((name, p.pid))
        if not left:
            shutil.rmtree(self.base, ignore_errors=True)
            self.removed = True
        return left

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        left = self.stop()
        if left:
            raise SlurmError("still running: %s" % ", ".join("%s pid %d" % np for np in left))


def main():
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: %s run -- COMMAND [ARG]...\n"
              "  starts a one-node Slurm (as root, on 127.0.0.1), runs COMMAND with SLURM_CONF\n"
              "  set, stops the cluster; exits with COMMAND's status" % sys.argv[0], file=sys.stderr)
        return 2
    try:
        cluster = Slurm().start()
    except SlurmError as e:
        print("slurm: %s" % e, file=sys.stderr)
        return 1
    try:
        print("slurm: up, SLURM_CONF=%s" % cluster.conf, file=sys.stderr)
        return subprocess.run(argv[2:], env=cluster.env()).returncode
    finally:
        left = cluster.stop()
        if left:
            print("slurm: still running: %s" % left, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
