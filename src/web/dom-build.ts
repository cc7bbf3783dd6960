/**
 * Element building for the page. Text always enters as text nodes, so a vehicle label such as
 * `<img src=x onerror=alert(1)>` shows as those characters and runs nothing; attribute names come
 * from the page's own code only. No module of the page assigns innerHTML.
 */

/** A child of an element: a node, text, or nothing (skipped, for optional parts). */
export type Child = Node | string | null | undefined | false;

/**
 * Makes an element.
 *
 * @param tag - the element's tag name
 * @param attributes - attributes set with setAttribute (`class`, `aria-*`, `for`, ...)
 * @param children - nodes and strings (as text nodes) appended in order
 * @returns the new element
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/**
 * Finds an element the page's HTML promises.
 *
 * @param id - the element's id in index.html
 * @returns the element
 * @throws Error when index.html lacks it (a build mistake, not a runtime condition)
 */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no element with id "${id}"`);
  return element as T;
}

/**
 * Sets an element's text when it differs, so that refreshes do not disturb screen readers or
 * selections with identical text.
 *
 * @param element - the element
 * @param text - its new text
 */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
