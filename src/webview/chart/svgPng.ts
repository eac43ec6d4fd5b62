/**
 * An SVG card (the Pareto view) as a PNG: the SVG is cloned with the computed presentation of each element
 * written as its attributes (its look comes from the theme's stylesheet, which a standalone image does not have), loaded
 * as an image from a data: URL (the content security policy allows `img-src data:`), and drawn at `scale`
 * times its size on the theme background.
 */
const STYLED = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight'] as const;

function inlineStyles(source: Element, copy: Element): void {
  const computed = getComputedStyle(source);
  // Presentation attributes, not a style attribute: the content security policy forbids inline styles.
  for (const p of STYLED) copy.setAttribute(p, computed.getPropertyValue(p));
  for (let i = 0; i < source.children.length; i++) inlineStyles(source.children[i], copy.children[i]);
}

export async function svgToPng(svg: SVGSVGElement, background: string, scale = 2): Promise<string> {
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const copy = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, copy);
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
  const image = new Image();
  await new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error('the SVG could not be drawn as an image'));
    image.src = url;
  });
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}
