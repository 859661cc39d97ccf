// The page's one shared, mutable state: datasets, rulesets, the base's values, the last result and
// how it is shown. The modules read and write this object; nothing is put on window.

export const state = { dataset: null, datasets: null, rulesets: [], baseValues: null, result: null,
                       sort: { key: "name", dir: 1 }, sequence: 0, timer: null, view: "all", dailyAmount: null,
                       me: null, lageOpened: false };
