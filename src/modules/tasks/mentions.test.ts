import { describe, expect, it } from "vitest";
import { lookupKeys, parseMentions, resolveMentions } from "./mentions.js";

const members = [
  { user_id: "u-ada", email: "ada@example.com", name: "Ada Lovelace" },
  { user_id: "u-bob", email: "bob@example.com", name: "Bob" },
  { user_id: "u-zhang", email: "zhang@example.com", name: "张三" },
  { user_id: "u-wang1", email: "w1@example.com", name: "Wang" },
  { user_id: "u-wang2", email: "w2@example.com", name: "wang" },
];
const mentioned = (body: string) => resolveMentions(parseMentions(body), members);

describe("mentions", () => {
  it("resolves @email, @name and @\"Full Name\" in order of first mention", () => {
    expect(mentioned('ping @bob@example.com and @"Ada Lovelace", then @Bob again')).toEqual(["u-bob", "u-ada"]);
  });

  it("matches names case-insensitively and mentions every member sharing a name", () => {
    expect(mentioned("@WANG please")).toEqual(["u-wang1", "u-wang2"]);
  });

  it("finds a Chinese name written straight after text and followed by more text", () => {
    expect(mentioned("请@张三看一下这个设计")).toEqual(["u-zhang"]);
  });

  it("ignores email addresses that are not mentions and names nobody has", () => {
    expect(mentioned("write to bob@example.com, or @nobody, or @")).toEqual([]);
  });

  it("drops trailing punctuation after a mention", () => {
    expect(mentioned("thanks @bob. And @ada@example.com.")).toEqual(["u-bob", "u-ada"]);
  });

  it("asks the database for each reading lowercased and as written", () => {
    const keys = lookupKeys(parseMentions('@"Émile Zola" @Bob@Example.com'));
    expect(keys.names).toEqual(expect.arrayContaining(["émile zola", "Émile Zola"]));
    expect(keys.emails).toEqual(expect.arrayContaining(["bob@example.com", "Bob@Example.com"]));
  });
});
