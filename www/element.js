// `import "tolem-checkout/element"` registers <tolem-checkout> (a side effect, by design).
import { defineElement } from "./index.js";

defineElement();
