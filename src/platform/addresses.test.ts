import { describe, expect, it } from "vitest";
import { AllowList, isHostListEntry, parseAddress, refusal, specialPurpose } from "./addresses.js";

const purpose = (a: string) => specialPurpose(parseAddress(a)!);
const none = new AllowList([]);

describe("special-purpose addresses", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["100.64.0.1", "shared address space (CGNAT)"],
    ["100.127.255.254", "shared address space (CGNAT)"],
    ["0.0.0.0", "this network"],
    ["0.1.2.3", "this network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "unique local (private)"],
    ["fd12:3456::1", "unique local (private)"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:a9fe:a9fe", "link-local (cloud metadata)"],
    ["::ffff:10.1.2.3", "private"],
    ["64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"],
    ["2002:7f00:1::", "loopback"],
    ["::127.0.0.1", "IPv4-compatible (deprecated)"],
    ["[::1]", "loopback"],
  ])("%s is %s", (address, why) => {
    expect(purpose(address)).toBe(why);
  });

  it.each(["8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:0808:0808::"])("%s is public", (address) => {
    expect(purpose(address)).toBeUndefined();
  });

  it("parses only real addresses", () => {
    expect(parseAddress("example.com")).toBeUndefined();
    expect(parseAddress("256.1.1.1")).toBeUndefined();
    expect(parseAddress("1:2:3")).toBeUndefined();
    expect(parseAddress("1::2::3")).toBeUndefined();
    expect(parseAddress("1.2.3.4")).toEqual([1, 2, 3, 4]);
    expect(parseAddress("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
  });
});

describe("the operator allow-list", () => {
  it("accepts hostnames, wildcards, addresses and CIDR ranges, and nothing else", () => {
    for (const ok of ["hooks.corp", "*.corp.example", "localhost", "10.0.0.5", "10.0.0.0/8", "fd00::/8", "::1"]) expect(isHostListEntry(ok), ok).toBe(true);
    for (const bad of ["not a host", "10.0.0.0/33", "::/129", "http://x", "a..b", "10.0.0.0/8/1", "*"]) expect(isHostListEntry(bad), bad).toBe(false);
  });

  it("lets a listed host or range through, and nothing more", () => {
    const allow = new AllowList(["hooks.corp", "*.lab.example", "10.1.0.0/16", "127.0.0.1"]);
    expect(refusal(allow, "hooks.corp", "10.9.9.9")).toBeUndefined();
    expect(refusal(allow, "ci.lab.example", "192.168.0.4")).toBeUndefined();
    expect(refusal(allow, "other.corp", "10.1.2.3")).toBeUndefined();
    expect(refusal(allow, "other.corp", "::ffff:10.1.2.3")).toBeUndefined();
    expect(refusal(allow, "127.0.0.1", "127.0.0.1")).toBeUndefined();
    expect(refusal(allow, "other.corp", "10.2.0.1")).toMatch(/other\.corp resolves to 10\.2\.0\.1, a special-purpose address \(private\)/);
    expect(refusal(allow, "127.0.0.2", "127.0.0.2")).toMatch(/127\.0\.0\.2 is a special-purpose address \(loopback\)/);
  });

  it("never refuses a public address", () => {
    expect(refusal(none, "example.com", "93.184.216.34")).toBeUndefined();
  });
});
