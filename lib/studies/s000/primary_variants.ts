/**
 * Primary-model variants that try to carry over from the stand-in's product
 * photos to photos the models never saw (the shop's own photos, street
 * photos). Every variant trains on the stand-in's training split only, is
 * chosen and stopped on its validation split only, and is tested once on
 * the stand-in test split; the photo checks come after (notebook 12).
 *
 * What varies:
 *
 * - the network: the study's primary CNN (`PRIMARY_BEST`: architecture 1,
 *   kernel 3, 64 filters; Adam at 1e-4 as every wide study model here), or
 *   a frozen ImageNet MobileNetV2 with a new softmax head
 *   (`lib/models/pretrained_classifier.ts`);
 * - the augmentation, composed in this order: the study's orientation
 *   augmentation (random left-right mirror); geometric (rotation ±20°,
 *   shift 10%, zoom ±10%, mirror, edges extended); placement (zoom out up to
 *   40%, shift up to 20% across and 30% down/up, rotation ±30°, mirror,
 *   white fill: an object's size and position stop being a cue); stretch (a
 *   vertical stretch by up to 2: boots, which the stand-in lacks) or tall
 *   stretch (taller for its width by up to 4, half of it a vertical
 *   stretch, half a narrowing: a side-on shoe is about half as tall as
 *   long, a knee-high boot about twice as tall as long); backdrop
 *   (the white background replaced by a random colour, gradient or noise in
 *   80% of the images); photometric (brightness, contrast, saturation, blur).
 *
 * The CNN variants augment every batch (`fit`'s augmentation stream); the
 * MobileNetV2 variants precompute base features for the original training
 * images and `profile.variantCopies` augmented copies of each (times the
 * variant's `copyFactor`), and train the head on those. A variant with
 * `fineTuneBlocks` caches the base's features below its top blocks instead
 * and trains those blocks with the head, at a tenth of the head's learning
 * rate (pretrained weights move little). The ranges are ours (the studies give none); the
 * study-faithful primary model stays the reproduction (notebook 03).
 *
 * The augmentation is composed in `variant_augment.ts`; a variant trains
 * into its run record in `variant_training.ts`.
 *
 * @module
 */

/** One augmentation step (see the module docs). */
export type AugmentStep =
  | "orientation"
  | "geometric"
  | "stretch"
  | "tall-stretch"
  | "placement"
  | "backdrop"
  | "photometric";

/** A primary-model variant. */
export interface PrimaryVariant {
  /** Short id, part of the run name. */
  id: string;
  /** What it is, for tables. */
  title: string;
  /** The study's primary CNN or a frozen MobileNetV2 with a new head. */
  network: "study-cnn" | "mobilenetv2";
  /** MobileNetV2 only: frame each image around its object (non-white box) first. */
  frameObject?: boolean;
  /** Augmentation steps, applied in the module docs' order. */
  augment: readonly AugmentStep[];
  /**
   * MobileNetV2 only: augmented copies of each training image as a multiple
   * of the profile's `variantCopies`; default 1.
   */
  copyFactor?: number;
  /** MobileNetV2 only: top blocks of the base that train with the head; default 0 (frozen). */
  fineTuneBlocks?: number;
}

/** The variants notebook 12 compares, the study's model first. */
export const PRIMARY_VARIANTS: readonly PrimaryVariant[] = [
  {
    id: "study",
    title: "the study's primary CNN, no augmentation",
    network: "study-cnn",
    augment: [],
  },
  {
    id: "orientation",
    title: "the study's CNN + the study's orientation augmentation",
    network: "study-cnn",
    augment: ["orientation"],
  },
  {
    id: "geometric-photometric",
    title: "the study's CNN + geometric and photometric augmentation",
    network: "study-cnn",
    augment: ["geometric", "photometric"],
  },
  {
    id: "placement",
    title: "the study's CNN + random scale and placement",
    network: "study-cnn",
    augment: ["placement"],
  },
  {
    id: "backdrop",
    title: "the study's CNN + random backgrounds",
    network: "study-cnn",
    augment: ["backdrop"],
  },
  {
    id: "placement-backdrop-photometric",
    title: "the study's CNN + placement, backgrounds and photometric",
    network: "study-cnn",
    augment: ["placement", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2",
    title: "frozen MobileNetV2 + new head, no augmentation",
    network: "mobilenetv2",
    augment: [],
  },
  {
    id: "mobilenetv2-placement-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, placement, backgrounds and photometric",
    network: "mobilenetv2",
    augment: ["placement", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2-placement-stretch-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, placement, vertical stretch, backgrounds and photometric",
    network: "mobilenetv2",
    augment: ["placement", "stretch", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2-frame",
    title: "frozen MobileNetV2 + new head, each image framed around its object",
    network: "mobilenetv2",
    frameObject: true,
    augment: [],
  },
  {
    id: "mobilenetv2-frame-geometric-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, object framing, geometric, backgrounds and photometric",
    network: "mobilenetv2",
    frameObject: true,
    augment: ["geometric", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2-placement-stretch-backdrop-photometric-x4",
    title:
      "frozen MobileNetV2 + new head, placement, vertical stretch, backgrounds and photometric, four times the augmented copies",
    network: "mobilenetv2",
    augment: ["placement", "stretch", "backdrop", "photometric"],
    copyFactor: 4,
  },
  {
    id: "mobilenetv2-finetune-placement-stretch-backdrop-photometric",
    title:
      "MobileNetV2 with its last block fine-tuned + new head, placement, vertical stretch, backgrounds and photometric, twice the augmented copies",
    network: "mobilenetv2",
    augment: ["placement", "stretch", "backdrop", "photometric"],
    copyFactor: 2,
    fineTuneBlocks: 1,
  },
  {
    id: "mobilenetv2-placement-tallstretch-backdrop-photometric-x4",
    title:
      "frozen MobileNetV2 + new head, placement, tall stretch (up to 4), backgrounds and photometric, four times the augmented copies",
    network: "mobilenetv2",
    augment: ["placement", "tall-stretch", "backdrop", "photometric"],
    copyFactor: 4,
  },
  {
    id: "mobilenetv2-frame-placement-stretch-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, object framing, placement, vertical stretch, backgrounds and photometric",
    network: "mobilenetv2",
    frameObject: true,
    augment: ["placement", "stretch", "backdrop", "photometric"],
  },
];

/**
 * The variant offered as the primary model's option for photos from outside
 * the stand-in (`trainPrimaryVariant(context, source, data,
 * primaryVariant(ROBUST_PRIMARY))`): of the variants above, the best on
 * the shop and street photos at the course profile (notebook 12, README).
 * The study-faithful model stays the reproduction.
 */
export const ROBUST_PRIMARY =
  "mobilenetv2-placement-stretch-backdrop-photometric";

/** The variant with `id`; throws naming the known ids otherwise. */
export function primaryVariant(id: string): PrimaryVariant {
  const found = PRIMARY_VARIANTS.find((v) => v.id === id);
  if (!found) {
    throw new Error(
      `No primary variant "${id}"; use one of ${
        PRIMARY_VARIANTS.map((v) => v.id).join(", ")
      }`,
    );
  }
  return found;
}
