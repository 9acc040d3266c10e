"""QEMU cases for long boot scripts (`-append "-- cmd; cmd; ..."`): a script over the old
1023-character limit runs whole; one over the 4095-character limit runs the complete commands
that fit, says so, and leaves the prompt. Every crc is the host's."""

import re

from harness import MiB, Script, Transcript, case, check, check_no_crash, crc_value, short

SCRIPT_MAX = 4095  # characters of the script after "--" the guest keeps


def crc_script(disk_sectors, n):
    """n `blk crc` commands over varied ranges, then poweroff."""
    s = Script()
    for i in range(n):
        count = 1 + i % 5
        s.crc(0, (i * 37) % (disk_sectors - count), count)
    return s.cmd("poweroff")


@case("script-longer-than-1023-runs-whole")
def script_longer_than_1023_runs_whole(ctx):
    """a 2 KiB boot script of blk crc commands ending in poweroff: every crc is the host's, and
    poweroff runs"""
    disk = ctx.disk("d0", 1 * MiB)
    s = crc_script(disk.sectors_count, 110)
    script = "; ".join(s.commands)
    check(1023 < len(script) <= SCRIPT_MAX, f"script is {len(script)} characters")
    t = ctx.run_script(s, ctx.mmio_blk(disk))  # fails unless poweroff ran
    s.verify(t, {0: disk})


@case("script-over-the-limit-runs-what-fits")
def script_over_the_limit_runs_what_fits(ctx):
    """a boot script over 4095 characters: a bootargs line says it does not fit and how many
    commands run; exactly the complete commands that fit run (host crcs), the prompt comes back"""
    disk = ctx.disk("d0", 1 * MiB)
    s = crc_script(disk.sectors_count, 300)
    cmds = s.commands
    script = "; ".join(cmds)
    check(len(script) > SCRIPT_MAX, f"script is only {len(script)} characters")
    fit = max(k for k in range(len(cmds)) if len("; ".join(cmds[:k])) <= SCRIPT_MAX)
    with ctx.vm(s.append_arg(), ctx.mmio_blk(disk)) as vm:
        # the last command that fits, then the prompt after the script
        vm.wait_for(rf"^vireo> {re.escape(cmds[fit - 1])}$", ctx.seconds(50))
        vm.wait_prompt(ctx.seconds(10))
        vm.send_line("poweroff")
        rc = vm.wait_exit(ctx.seconds(15))
        out = vm.output
    check_no_crash(out)
    check(rc == 0, f"QEMU exited with status {rc}")
    m = re.search(r"^bootargs: script of (\d+) characters does not fit \(at most (\d+)\): "
                  r"running the first (\d+) commands", out, re.M)
    check(m, f"no bootargs line saying the script was cut: "
          f"{short(chr(10).join(l for l in out.split(chr(10)) if l.startswith('bootargs')))}")
    check((int(m.group(1)), int(m.group(2)), int(m.group(3))) == (len(script), SCRIPT_MAX, fit),
          f"bootargs says {m.group(0)!r}; the host expects {len(script)} characters, at most "
          f"{SCRIPT_MAX}, {fit} commands")
    t = Transcript(out, cmds[:fit] + ["poweroff"], rc)
    for i, seg in enumerate(t.segments[:fit]):
        check(seg is not None, f"command {i} `{cmds[i]}` of those that fit did not run")
        lba, count = s.ops[i].args[1:]
        check(crc_value(cmds[i], seg) == disk.crc(lba, count), f"`{cmds[i]}`: wrong crc")
    dropped = re.escape(cmds[fit])
    check(not re.search(rf"^vireo> {dropped}$", out, re.M),
          f"`{cmds[fit]}`, the first command past the limit, ran")
