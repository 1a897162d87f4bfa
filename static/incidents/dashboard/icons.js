/* The map's symbols: facility pins, attack discs, clusters, and the outage classes' colours. */

import { statusColour } from "../lib/colours.js";
import { lookup } from "../lib/dom.js";
import { numberFormat } from "../lib/format.js";

export const WEAPON_COLOURS = {
  ballistic_missile: "#b71c1c",
  cruise_missile: "#e65100",
  hypersonic_missile: "#6a1b9a",
  guided_bomb: "#4e342e",
  attack_drone: "#f9a825",
  artillery: "#546e7a",
  unknown: "#9e9e9e",
};

export const weaponColour = (type) => lookup(WEAPON_COLOURS, type, WEAPON_COLOURS.unknown);

// Small glyphs drawn in a 16×16 box, one per facility kind.
const KIND_GLYPHS = {
  chp: '<path d="M3 14V7l3 2V7l3 2V4h2v3h2v7z"/><path d="M12 2h2v3h-2z"/>',
  thermal: '<path d="M2 14V8l4 2V8l4 2V3h3v11z"/>',
  heating: '<path d="M8 1c1 3 4 4 4 8a4 4 0 0 1-8 0c0-2 1-3 2-4 0 2 1 3 2 3 0-3-1-4 0-7z"/>',
  hydro: '<path d="M8 1 4 8a4 4 0 1 0 8 0z"/>',
  nuclear: '<circle cx="8" cy="8" r="2"/><path d="M8 1a7 7 0 0 1 6 3.5L10 7A2.5 2.5 0 0 0 8 5.5zM2 4.5A7 7 0 0 1 8 1v4.5A2.5 2.5 0 0 0 6 7zM4.5 14 7 10a2.5 2.5 0 0 0 2 0l2.5 4a7 7 0 0 1-7 0z"/>',
  solar: '<circle cx="8" cy="8" r="3"/><path d="M7 0h2v3H7zM7 13h2v3H7zM0 7h3v2H0zM13 7h3v2h-3z"/>',
  wind: '<path d="M7 7h2v8H7z"/><path d="M8 8 7 1h2zM8 8l6 3-1 1.5zM8 8l-6 3 1 1.5z"/>',
  substation: '<path d="M9 1 3 9h4l-1 6 6-8H8z"/>',
  transmission: '<path d="M7 1h2l4 14h-2l-1-4H6l-1 4H3zM6.5 9h3L8 4z"/>',
  gas: '<path d="M8 1c2 3 5 5 5 9a5 5 0 0 1-10 0c0-4 3-6 5-9z"/>',
  water: '<path d="M2 6h12v2H2zM2 10h12v2H2zM5 3h6v2H5z"/>',
  other: '<circle cx="8" cy="8" r="4"/>',
};

/** A fixed glyph's markup: nothing from the data goes into it, the kind only picks one. */
export function glyph(kind, size = 16) {
  const body = lookup(KIND_GLYPHS, kind, KIND_GLYPHS.other);
  return `<svg viewBox="0 0 16 16" width="${size}" height="${size}" aria-hidden="true" focusable="false" fill="currentColor">${body}</svg>`;
}

const facilityIcons = new Map();
export function facilityIcon(kind, status) {
  const key = kind + "|" + status;
  if (!facilityIcons.has(key)) {
    facilityIcons.set(key, L.divIcon({
      className: "facility-icon",
      html: `<span class="facility-pin" style="--c:${statusColour(status)}">${glyph(kind)}</span>`,
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      popupAnchor: [0, -12],
    }));
  }
  return facilityIcons.get(key);
}

/** The attack marker: a disc whose ring shows the weapon mix, sized by weapons launched. */
const attackIcons = new Map();
export function attackIcon(weaponTypes, launched) {
  const size = launched >= 50 ? 26 : launched >= 10 ? 20 : 15;
  const types = weaponTypes.length ? weaponTypes : ["unknown"];
  const key = types.join(",") + "|" + size;
  if (!attackIcons.has(key)) {
    const step = 100 / types.length;
    const stops = types.map((t, i) => `${weaponColour(t)} ${i * step}% ${(i + 1) * step}%`).join(",");
    attackIcons.set(key, L.divIcon({
      className: "attack-icon",
      html: `<span class="attack-dot" style="width:${size}px;height:${size}px;background:conic-gradient(${stops})"></span>`,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
    }));
  }
  return attackIcons.get(key);
}

/** A round count: a cluster of attack markers. */
export function countIcon(count, className, size) {
  return L.divIcon({
    className,
    html: `<span style="width:${size}px;height:${size}px;line-height:${size}px">${numberFormat.format(count)}</span>`,
    iconSize: [size, size],
  });
}

export function clusterIcon(cluster) {
  const count = cluster.getChildCount();
  const size = count >= 1000 ? 48 : count >= 100 ? 40 : count >= 10 ? 34 : 28;
  return countIcon(count, "attack-cluster", size);
}

/** One of the API's clusters: a disc growing with the log of its count, ringed in the colour
 * of its dominant weapon type (attacks) or of facilities. */
const mapClusterIcons = new Map();
export function mapClusterIcon(count, className, colour) {
  const size = Math.round(Math.min(64, 28 + 7 * Math.log10(Math.max(1, count))));
  const key = `${count}|${className}|${colour}`;
  if (!mapClusterIcons.has(key)) {
    mapClusterIcons.set(key, L.divIcon({
      className,
      html: `<span style="width:${size}px;height:${size}px;line-height:${size - 8}px;--c:${colour}">${numberFormat.format(count)}</span>`,
      iconSize: [size, size],
    }));
  }
  return mapClusterIcons.get(key);
}

export function facilityClusterIcon(cluster) {
  const count = cluster.getChildCount();
  return mapClusterIcon(count, "map-cluster facility-map-cluster", "#1f4e79");
}

// Outage classes for the choropleth (the figure of the chosen service).
export const OUTAGE_BINS = [
  { min: 100000, colour: "#67000d" },
  { min: 10000, colour: "#a50f15" },
  { min: 1000, colour: "#ef3b2c" },
  { min: 100, colour: "#fc9272" },
  { min: 1, colour: "#fee0d2" },
];
export const NO_OUTAGE_COLOUR = "#f7f7f7";

export const outageColour = (count) => {
  if (!count) return NO_OUTAGE_COLOUR;
  return (OUTAGE_BINS.find((bin) => count >= bin.min) || OUTAGE_BINS[OUTAGE_BINS.length - 1]).colour;
};
