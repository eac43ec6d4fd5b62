/**
 * The theme colours the canvases draw with. VS Code sets the theme as body classes (vscode-light,
 * vscode-dark, vscode-high-contrast[-light]) and CSS variables; canvases re-read them when the class changes.
 */
export interface ThemeColors {
  foreground: string;
  grid: string;
  background: string;
  highContrast: boolean;
}

export function readTheme(): ThemeColors {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const foreground = v('--vscode-foreground', '#616161');
  return {
    foreground,
    grid: highContrast ? v('--vscode-contrastBorder', foreground) : v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.25)')),
    background: v('--vscode-editor-background', '#ffffff'),
    highContrast,
  };
}
