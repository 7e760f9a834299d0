// `import "tolem-checkout/element"` registers <tolem-checkout>; its types come with the main entry.
export {};
