import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend.ts";
import {
  type Classifier,
  compareApproaches,
  formatPath,
  type LabelPath,
  predictPaths,
  scorePaths,
  splitCombinedLabel,
} from "./hierarchy.ts";

await selectBackend("cpu");

/**
 * A stand-in classifier: each image is a 1x1x1 tensor holding its id, and the
 * classifier answers the class listed for that id (probability 0.9). Routing
 * mistakes (wrong subset, wrong order) therefore show up as wrong paths.
 */
function tableClassifier(
  classNames: string[],
  answers: Record<number, string>,
): Classifier {
  return {
    classNames,
    predict: async (images) => {
      const ids = await images.data();
      const out = new Float32Array(ids.length * classNames.length).fill(
        0.1 / (classNames.length - 1),
      );
      ids.forEach((id, i) => {
        const k = classNames.indexOf(answers[id]);
        if (k < 0) {
          throw new Error(
            `image ${id} was routed to a model that has no answer for it`,
          );
        }
        out[i * classNames.length + k] = 0.9;
      });
      return out;
    },
  };
}

const images = () => tf.tensor4d([0, 1, 2, 3, 4, 5], [6, 1, 1, 1]);
const truth: LabelPath[] = [
  { category: "Shoes", gender: "Male", type: "Boots" },
  { category: "Shoes", gender: "Female", type: "High heels" },
  { category: "Shoes", gender: "Female", type: "Boots" },
  { category: "Trousers&Jeans", gender: "Male", type: "Jeans" },
  { category: "Trousers&Jeans", gender: "Female", type: "Trousers" },
  { category: "Shoes", gender: "Male", type: "Formal shoes" },
];

const primary = tableClassifier(["Shoes", "Trousers&Jeans"], {
  0: "Shoes",
  1: "Shoes",
  2: "Shoes",
  3: "Trousers&Jeans",
  4: "Trousers&Jeans",
  5: "Trousers&Jeans",
});
const shoeGender = tableClassifier(["Male", "Female"], {
  0: "Male",
  1: "Female",
  2: "Male",
});
const models = {
  Shoes: {
    combined: tableClassifier([
      "Male-Boots",
      "Male-Formal shoes",
      "Female-Boots",
      "Female-High heels",
    ], {
      0: "Male-Boots",
      1: "Female-Boots",
      2: "Female-Boots",
    }),
    gender: shoeGender,
    typeByGender: {
      Male: tableClassifier(["Boots", "Formal shoes"], {
        0: "Boots",
        2: "Boots",
      }),
      Female: tableClassifier(["Boots", "High heels"], { 1: "High heels" }),
    },
  },
  "Trousers&Jeans": {
    combined: tableClassifier([
      "Male-Jeans",
      "Male-Trousers",
      "Female-Jeans",
      "Female-Trousers",
    ], {
      3: "Male-Jeans",
      4: "Female-Jeans",
      5: "Male-Trousers",
    }),
    gender: tableClassifier(["Male", "Female"], {
      3: "Male",
      4: "Female",
      5: "Male",
    }),
    typeByGender: {
      Male: tableClassifier(["Jeans", "Trousers"], {
        3: "Jeans",
        5: "Trousers",
      }),
      Female: tableClassifier(["Jeans", "Trousers"], { 4: "Trousers" }),
    },
  },
};

Deno.test("hierarchical pipeline routes each image through primary, gender and type models", async () => {
  const x = images();
  const paths = await predictPaths(x, {
    approach: "hierarchical",
    models,
    primary,
  });
  x.dispose();
  const printed = paths.map(formatPath);
  const expected = [
    "Shoes-Male-Boots",
    "Shoes-Female-High heels",
    "Shoes-Male-Boots",
    "Trousers&Jeans-Male-Jeans",
    "Trousers&Jeans-Female-Trousers",
    "Trousers&Jeans-Male-Trousers",
  ];
  if (JSON.stringify(printed) !== JSON.stringify(expected)) {
    throw new Error(JSON.stringify(printed));
  }
});

Deno.test("combined pipeline splits flat labels into gender and type", async () => {
  const x = images();
  const paths = await predictPaths(x, {
    approach: "combined",
    models,
    primary,
  });
  x.dispose();
  const printed = paths.map(formatPath);
  if (
    printed[1] !== "Shoes-Female-Boots" ||
    printed[4] !== "Trousers&Jeans-Female-Jeans"
  ) {
    throw new Error(JSON.stringify(printed));
  }
});

Deno.test("point score, exact path and per-level accuracy follow the study's rule", async () => {
  const x = images();
  const combined = await predictPaths(x, {
    approach: "combined",
    models,
    primary,
  });
  const hierarchical = await predictPaths(x, {
    approach: "hierarchical",
    models,
    primary,
  });
  x.dispose();
  const result = compareApproaches(truth, combined, hierarchical);
  // combined: 0 M-Boots ✓✓, 1 F-Boots (gender ✓ type ✗), 2 F-Boots ✓✓, 3 ✓✓, 4 F-Jeans (✓ ✗), 5 wrong category
  if (result.combined.points !== 8 || result.combined.maxPoints !== 12) {
    throw new Error(JSON.stringify(result.combined));
  }
  if (result.combined.exactPathAccuracy !== 3 / 6) {
    throw new Error("combined exact path");
  }
  // hierarchical: 0 ✓✓, 1 ✓✓, 2 M-Boots (✗ ✓), 3 ✓✓, 4 ✓✓, 5 wrong category
  if (result.hierarchical.points !== 9) {
    throw new Error(JSON.stringify(result.hierarchical));
  }
  if (result.hierarchical.perLevel.category !== 5 / 6) {
    throw new Error("category level");
  }
  if (
    result.mcnemar.b !== 1 || result.mcnemar.c !== 2 ||
    result.mcnemar.method !== "exact"
  ) {
    throw new Error(JSON.stringify(result.mcnemar));
  }
});

Deno.test("within one category, without a primary model", async () => {
  const x = tf.tensor4d([0, 1, 2], [3, 1, 1, 1]);
  const paths = await predictPaths(x, {
    approach: "hierarchical",
    models,
    category: "Shoes",
  });
  x.dispose();
  const score = scorePaths(truth.slice(0, 3), paths);
  if (score.points !== 5 || score.perLevel.category !== 1) {
    throw new Error(JSON.stringify(score));
  }
});

Deno.test("clear errors for missing models and malformed labels", async () => {
  const x = images();
  let message = "";
  await predictPaths(x, {
    approach: "hierarchical",
    models: { Shoes: models.Shoes },
    primary,
  }).catch((e) => message = e.message);
  x.dispose();
  if (!message.includes('No models for main category "Trousers&Jeans"')) {
    throw new Error(message);
  }
  try {
    splitCombinedLabel("Boots");
    throw new Error("accepted");
  } catch (e) {
    if (!(e as Error).message.includes("Gender-Type")) throw e;
  }
});
