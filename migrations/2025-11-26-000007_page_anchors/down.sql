DROP TABLE page_anchors;
