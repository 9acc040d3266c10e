"""A small, independent reader of flattened device trees for the tests (DT specification v0.4,
chapter 5), so that what vireo-probe prints is checked against facts computed here and not
against vireo's own C helpers. Standard library only."""

import struct

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


class Node:
    def __init__(self, name, parent):
        self.name = name
        self.parent = parent
        self.props = {}
        self.children = []

    @property
    def path(self):
        if self.parent is None:
            return "/"
        up = self.parent.path
        return (up if up != "/" else "") + "/" + self.name

    def cells(self, prop):
        v = self.props.get(prop)
        if v is None:
            return None
        return list(struct.unpack(f">{len(v) // 4}I", v[: len(v) // 4 * 4]))

    def string(self, prop):
        v = self.props.get(prop)
        return None if v is None else v.rstrip(b"\0").decode()

    def strings(self, prop):
        v = self.props.get(prop)
        return [] if v is None else [s.decode() for s in v.rstrip(b"\0").split(b"\0")]

    def compatible(self, c):
        return c in self.strings("compatible")

    def enabled(self):
        s = self.string("status")
        return s is None or s in ("okay", "ok")

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class Tree:
    def __init__(self, blob):
        magic, total, off_struct, off_strings, off_rsv = struct.unpack(">5I", blob[:20])
        if magic != FDT_MAGIC:
            raise ValueError("not a DTB")
        self.memreserve = []
        p = off_rsv
        while True:
            base, size = struct.unpack(">QQ", blob[p:p + 16])
            p += 16
            if base == 0 and size == 0:
                break
            self.memreserve.append((base, size))
        self.root = self._parse(blob, off_struct, off_strings)
        self.by_phandle = {}
        for n in self.root.walk():
            ph = n.cells("phandle") or n.cells("linux,phandle")
            if ph:
                self.by_phandle[ph[0]] = n

    @staticmethod
    def _parse(blob, p, strings):
        root = None
        cur = None
        while True:
            (tok,) = struct.unpack(">I", blob[p:p + 4])
            p += 4
            if tok == FDT_BEGIN_NODE:
                end = blob.index(b"\0", p)
                name = blob[p:end].decode()
                p = (end + 4) & ~3
                node = Node(name, cur)
                if cur is None:
                    root = node
                else:
                    cur.children.append(node)
                cur = node
            elif tok == FDT_END_NODE:
                cur = cur.parent
            elif tok == FDT_PROP:
                length, nameoff = struct.unpack(">II", blob[p:p + 8])
                p += 8
                name = blob[strings + nameoff:blob.index(b"\0", strings + nameoff)].decode()
                cur.props[name] = blob[p:p + length]
                p = (p + length + 3) & ~3
            elif tok == FDT_NOP:
                pass
            elif tok == FDT_END:
                return root
            else:
                raise ValueError(f"bad token {tok}")

    # ---------------------------------------------------------------- lookup

    def find(self, path):
        node = self.root
        for part in [x for x in path.split("/") if x]:
            matches = [c for c in node.children if c.name == part]
            if not matches:
                matches = [c for c in node.children if c.name.split("@")[0] == part]
            if not matches:
                return None
            node = matches[0]
        return node

    def resolve_path(self, path):
        """A full path, or an alias as its first component (DT spec 3.3)."""
        if path.startswith("/"):
            return self.find(path)
        aliases = self.find("/aliases")
        first, _, rest = path.partition("/")
        if aliases is None or aliases.string(first) is None:
            return None
        return self.find(aliases.string(first) + ("/" + rest if rest else ""))

    def compatible(self, c):
        return [n for n in self.root.walk() if n.compatible(c)]

    # ---------------------------------------------------------------- addresses

    @staticmethod
    def addr_cells(node):
        v = node.cells("#address-cells")
        return v[0] if v else 2

    @staticmethod
    def size_cells(node):
        v = node.cells("#size-cells")
        return v[0] if v else 1

    @staticmethod
    def number(cells):
        v = 0
        for c in cells:
            v = (v << 32) | c
        return v

    @staticmethod
    def split(value, count):
        return [(value >> (32 * k)) & 0xFFFFFFFF for k in reversed(range(count))]

    def translate(self, bus, addr):
        """addr (a list of bus's #address-cells cells) up to a CPU address, or None."""
        while bus.parent is not None:
            ranges = bus.props.get("ranges")
            if ranges is None:
                return None
            parent = bus.parent
            ac, pac, sc = self.addr_cells(bus), self.addr_cells(parent), self.size_cells(bus)
            if len(ranges) == 0:
                addr = self.split(self.number(addr[1:] if ac == 3 else addr), pac)
                bus = parent
                continue
            cells = bus.cells("ranges")
            step = ac + pac + sc
            # The whole address is one number (Linux's default bus); on a PCI bus (3 cells)
            # the space code of phys.hi must agree and the other two cells are the number.
            hi = 1 if ac == 3 else 0
            for i in range(0, len(cells) - step + 1, step):
                child = cells[i:i + ac]
                if hi and (child[0] >> 24 & 3) != (addr[0] >> 24 & 3):
                    continue
                cbase = self.number(child[hi:])
                a = self.number(addr[hi:])
                size = self.number(cells[i + ac + pac:i + step])
                if cbase <= a < cbase + size:
                    p = self.number(cells[i + ac:i + ac + pac]) + (a - cbase)
                    addr = self.split(p, pac)
                    break
            else:
                return None
            bus = parent
        return self.number(addr)

    def reg(self, node, index=0):
        parent = node.parent
        ac, sc = self.addr_cells(parent), self.size_cells(parent)
        cells = node.cells("reg") or []
        step = ac + sc
        if (index + 1) * step > len(cells):
            return None
        entry = cells[index * step:(index + 1) * step]
        pa = self.translate(parent, entry[:ac])
        return None if pa is None else (pa, self.number(entry[ac:]))

    def regs(self, node):
        out = []
        while True:
            r = self.reg(node, len(out))
            if r is None:
                return out
            out.append(r)

    # ---------------------------------------------------------------- interrupts

    def irq_parent(self, node):
        while node is not None:
            ph = node.cells("interrupt-parent")
            node = self.by_phandle.get(ph[0]) if ph else node.parent
            if node is not None and "#interrupt-cells" in node.props:
                return node
        return None

    def gic_intid(self, node):
        """(intid, edge) of node's first interrupt at a GIC, or None."""
        spec = (node.cells("interrupts") or [])
        parent = self.irq_parent(node)
        if parent is None or not spec:
            return None
        unit = (node.cells("reg") or [])
        while parent is not None:
            ic = parent.cells("#interrupt-cells")[0]
            spec = spec[:ic]
            if "interrupt-map" not in parent.props:
                if "interrupt-controller" in parent.props:
                    break
                parent = self.irq_parent(parent)
                continue
            ac = self.addr_cells(parent) if "#address-cells" in parent.props else 0
            key = (unit + [0] * ac)[:ac] + spec
            mask = parent.cells("interrupt-map-mask") or [0xFFFFFFFF] * len(key)
            m = parent.cells("interrupt-map")
            i = 0
            found = None
            while i < len(m):
                entry = m[i:i + ac + ic]
                target = self.by_phandle[m[i + ac + ic]]
                tac = self.addr_cells(target) if "#address-cells" in target.props else 0
                tic = target.cells("#interrupt-cells")[0]
                start = i + ac + ic + 1
                if [k & mk for k, mk in zip(key, mask)] == entry:
                    found = (target, m[start + tac:start + tac + tic], m[start:start + tac])
                    break
                i = start + tac + tic
            if found is None:
                return None
            parent, spec, unit = found
        if not any("gic" in c for c in parent.strings("compatible")) or len(spec) < 2:
            return None
        base = {0: 32, 1: 16}.get(spec[0])
        if base is None:
            return None
        return spec[1] + base, len(spec) >= 3 and (spec[2] & 3) != 0

    # ---------------------------------------------------------------- DMA

    def dma_coherent(self, node):
        while node is not None:
            if "dma-noncoherent" in node.props:
                return False
            if "dma-coherent" in node.props:
                return True
            node = node.parent
        return False
