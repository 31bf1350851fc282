// The story body's pictures, as the newsroom needs them (loaded by django-prose-editor's
// configurable preset through DJANGO_PROSE_EDITOR_EXTENSIONS; these exports replace the
// package's Figure, Caption and Image of the same names).
//
// The package's caption was a block node of its own, and a figure's picture could be left
// without a source. Pressing Enter with a picture selected then made a new figure with an
// empty <img> and the typed sentence as its caption, before the picture, and a caption read
// back outside a figure stood alone in the story. Here:
//
// - a caption exists only inside a figure, and a figure only around a picture with a source
//   (the same rules as articles/sanitize.py, so what the editor shows is what is stored);
// - Enter on a selected picture or figure, or in a caption, starts a paragraph after the
//   figure; typing with a picture selected writes into that paragraph;
// - Backspace or Delete on a selected picture removes its whole figure, caption included; in an
//   empty caption, the caption;
// - whatever else leaves a picture without a source (a paste, a drag) is repaired at once:
//   the broken picture goes, and a caption it leaves becomes a paragraph.

import {
  Caption as PackageCaption,
  Figure as PackageFigure,
  Image as PackageImage,
  Plugin,
  pm,
} from "django-prose-editor/editor"

const { NodeSelection, TextSelection } = pm.state

// A source the server keeps: not blank, and not a data: URL (articles/sanitize.py allows
// http(s) and relative addresses only).
const usableSource = (src) =>
  typeof src === "string" && src.trim() !== "" && !/^data:/i.test(src.trim())

// The figure the selection is on or in (a selected figure, a selected picture in it, or a
// cursor in its caption), as { node, pos }; null elsewhere.
function selectedFigure(state) {
  const { selection } = state
  if (selection instanceof NodeSelection) {
    if (selection.node.type.name === "figure") {
      return { node: selection.node, pos: selection.from }
    }
    const $pos = selection.$from
    if (selection.node.type.name === "image" && $pos.parent.type.name === "figure") {
      return { node: $pos.parent, pos: $pos.before() }
    }
    return null
  }
  const { $from } = selection
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type.name === "figure") {
      return { node: $from.node(depth), pos: $from.before(depth) }
    }
  }
  return null
}

// The block a new paragraph goes after: the figure, or a bare selected picture.
function blockForEnter(state) {
  const figure = selectedFigure(state)
  if (figure) return figure
  const { selection } = state
  if (selection instanceof NodeSelection && selection.node.type.name === "image") {
    return { node: selection.node, pos: selection.from }
  }
  return null
}

function paragraphAfter(state, block, text = "") {
  const after = block.pos + block.node.nodeSize
  const { paragraph } = state.schema.nodes
  const tr = state.tr.insert(after, paragraph.create(null, text ? state.schema.text(text) : null))
  return tr.setSelection(TextSelection.create(tr.doc, after + 1 + text.length)).scrollIntoView()
}

export const Image = PackageImage.extend({
  parseHTML() {
    // A picture without a source is not a picture (the sanitiser drops it too).
    return [
      {
        tag: "img[src]",
        getAttrs: (img) => (usableSource(img.getAttribute("src")) ? null : false),
      },
    ]
  },
})

export const Caption = PackageCaption.extend({
  // Not a block of its own: only a figure holds a caption. A <figcaption> found anywhere else
  // is read as the paragraph of text it is.
  group: "",
  parseHTML() {
    return [{ tag: "figcaption", context: "figure/" }]
  },
})

export const Figure = PackageFigure.extend({
  parseHTML() {
    return [
      {
        tag: "figure",
        // Only around a usable picture: a figure without one is read as its caption's text.
        getAttrs: (figure) =>
          [...figure.querySelectorAll("img[src]")].some((img) =>
            usableSource(img.getAttribute("src")),
          )
            ? null
            : false,
      },
    ]
  },

  addKeyboardShortcuts() {
    const enter = () => {
      const { state, view } = this.editor
      const block = blockForEnter(state)
      if (!block) return false
      view.dispatch(paragraphAfter(state, block))
      return true
    }
    const remove = () => {
      const { state, view } = this.editor
      const { selection } = state
      const { $from } = selection
      if (selection.empty && $from.parent.type.name === "caption" && !$from.parent.content.size) {
        // In an empty caption: the caption goes, the picture stays selected.
        const at = $from.before()
        const tr = state.tr.delete(at, at + $from.parent.nodeSize)
        const image = tr.doc.resolve(at).nodeBefore
        view.dispatch(tr.setSelection(NodeSelection.create(tr.doc, at - image.nodeSize)))
        return true
      }
      if (!(selection instanceof NodeSelection) || selection.node.type.name !== "image") {
        return false
      }
      const figure = selectedFigure(state)
      if (!figure) return false
      view.dispatch(state.tr.delete(figure.pos, figure.pos + figure.node.nodeSize))
      return true
    }
    return {
      ...(this.parent?.() || {}),
      Enter: enter,
      "Shift-Enter": () => {
        // A line break in a caption is fine; on a selected picture, a new paragraph.
        const { selection } = this.editor.state
        return selection instanceof NodeSelection ? enter() : false
      },
      Backspace: remove,
      Delete: remove,
    }
  },

  addProseMirrorPlugins() {
    const figureType = () => this.editor.schema.nodes.figure
    return [
      ...(this.parent?.() || []),
      new Plugin({
        props: {
          // Typing with a picture selected would replace the picture (leaving its figure
          // without one); the words start a paragraph after the figure instead.
          handleTextInput: (view, _from, _to, text) => {
            const { state } = view
            if (!(state.selection instanceof NodeSelection)) return false
            const block = blockForEnter(state)
            if (!block) return false
            view.dispatch(paragraphAfter(state, block, text))
            return true
          },
        },
        // The safety net: no transaction may leave a picture without a source. A broken
        // picture is removed; a figure loses it with it, and its caption's words stay as a
        // paragraph in its place.
        appendTransaction: (transactions, _oldState, state) => {
          if (!transactions.some((tr) => tr.docChanged)) return null
          const broken = []
          state.doc.descendants((node, pos) => {
            if (node.type.name === "image" && !usableSource(node.attrs.src)) {
              broken.push({ node, pos })
            }
            return true
          })
          if (!broken.length) return null
          const tr = state.tr
          for (const { node, pos } of broken.reverse()) {
            const $pos = tr.doc.resolve(tr.mapping.map(pos))
            if ($pos.parent.type === figureType()) {
              const figurePos = $pos.before()
              const figure = $pos.parent
              const caption = figure.childCount > 1 ? figure.child(1) : null
              const replacement = caption?.content.size
                ? state.schema.nodes.paragraph.create(null, caption.content)
                : null
              if (replacement) {
                tr.replaceWith(figurePos, figurePos + figure.nodeSize, replacement)
              } else {
                tr.delete(figurePos, figurePos + figure.nodeSize)
              }
            } else {
              const at = tr.mapping.map(pos)
              tr.delete(at, at + node.nodeSize)
            }
          }
          return tr
        },
      }),
    ]
  },
})
