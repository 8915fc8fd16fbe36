//! Placeholder until the screen is built (issue 14).

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::client::Answer;
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};

pub struct TableBrowser {
    _todo: (),
}

impl TableBrowser {
    pub fn new(_service: &str) -> Self {
        TableBrowser { _todo: () }
    }
}

impl Screen for TableBrowser {
    fn id(&self) -> ScreenId {
        ScreenId::TableBrowser
    }
    fn title(&self) -> String {
        "TableBrowser".into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        Vec::new()
    }
    fn key(&mut self, _key: KeyEvent, _cx: &mut Cx) -> Handled {
        Handled::Ignored
    }
    fn loaded(&mut self, _tag: Tag, _answer: Answer, _cx: &mut Cx) {}
    fn draw(&self, frame: &mut Frame, area: Rect, _ui: &Ui) {
        frame.render_widget(Paragraph::new("not built yet"), area);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
