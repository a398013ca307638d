import { describe, expect, it } from "vitest";
import {
  parseDuration,
  parseDurationRange,
  parseLabelSet,
  parseProbability,
  parseRate,
} from "./parse.js";

describe("parsing hangar sim flags", () => {
  it.each([
    ["0", 0],
    ["200ms", 200],
    ["10s", 10_000],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["2min", 120_000],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
  ])("duration %s → %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "ten seconds", "10 s", "10x", "-5s", "5s3"])("refuses duration %j", (text) => {
    expect(() => parseDuration(text, "--delay")).toThrow(/--delay must be a duration/);
  });

  it.each([
    ["10s..2m", { minMs: 10_000, maxMs: 120_000 }],
    ["30s", { minMs: 30_000, maxMs: 30_000 }],
    ["0..1s", { minMs: 0, maxMs: 1_000 }],
  ])("range %s", (text, range) => {
    expect(parseDurationRange(text)).toEqual(range);
  });

  it.each([
    ["2m..10s", /must not end before it starts/],
    ["1s..2s..3s", /a duration or a range/],
    ["1s..", /must be a duration/],
  ])("refuses range %s", (text, message) => {
    expect(() => parseDurationRange(text)).toThrow(message);
  });

  it.each([
    ["6/min", 6],
    ["1/s", 60],
    ["0.5/s", 30],
    ["120/h", 2],
  ])("rate %s → %f per minute", (text, perMinute) => {
    expect(parseRate(text)).toBeCloseTo(perMinute);
  });

  it.each(["6", "0/min", "6/day", "fast", "-1/s"])("refuses rate %j", (text) => {
    expect(() => parseRate(text)).toThrow(/--rate must be a positive rate/);
  });

  it.each([
    ["0", 0],
    ["0.05", 0.05],
    ["1", 1],
    ["5%", 0.05],
    ["100%", 1],
  ])("probability %s → %f", (text, p) => {
    expect(parseProbability(text, "--drop")).toBeCloseTo(p);
  });

  it.each(["1.5", "150%", "-0.1", "half", ""])("refuses probability %j", (text) => {
    expect(() => parseProbability(text, "--drop")).toThrow(/--drop must be a probability/);
  });

  it.each([
    ["hangar-small", { labels: ["hangar-small"], weight: 1 }],
    ["gpu, large", { labels: ["gpu", "large"], weight: 1 }],
    ["gpu,large:3", { labels: ["gpu", "large"], weight: 3 }],
  ])("label set %s", (text, set) => {
    expect(parseLabelSet(text)).toEqual(set);
  });

  it.each([",", ":3", "x:0"])("refuses label set %j", (text) => {
    expect(() => parseLabelSet(text)).toThrow(/--labels/);
  });
});
