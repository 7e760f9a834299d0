// Entry of dist/tolem-direct.js: the browser-direct build's glue as a classic script, which
// tolem.js adds to the page when a widget's options need that build. It hands the glue over
// and defines nothing else.
import init, { mount } from "./direct_glue.js";

window.Tolem._directBuild({ default: init, mount });
