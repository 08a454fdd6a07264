#!/usr/bin/env python3
"""Prints the CPU seconds (user + system) a process tree has used so far.

    tree-cpu.py PID

The tree is PID and every process below it, each counted with the CPU of the children it has
already reaped (/proc/PID/stat fields cutime and cstime), so a worker that came and went is
not lost. The benchmarks read it before and after a timed run of a client against the lab DC:
the difference is the work the DC did for that client, a figure that does not grow with the
wall time other processes take from the CPUs, as the time of the run itself does.
"""
import os
import sys


def main():
    root = int(sys.argv[1])
    children, cpu = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:  # the process ended while we were reading
            continue
        # Fields after the command name, which may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(name)
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        ticks += cpu.get(pid, 0)
        todo += children.get(pid, [])
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


if __name__ == "__main__":
    main()
