"""Where a text sits changes what an instruction in it means.

A user turn is the user speaking to the model: an instruction there is judged as it stands. A
document (a tool result, a retrieved passage, a tool's description) is text the model reads
on someone's behalf: instructions in it are normally meant for its human reader ("If you have
any questions just reply to this email") and are no attack on the model. In a document, a
classifier finding counts only where the flagged text is aimed at the model itself: it names
an AI or the model's instructions, prompt or answer, tells the model what to tell the user,
or carries chat-template and role markers. Detectors opt in with ``document_roles`` in their
registration (:mod:`.detectors`).
"""

from __future__ import annotations

import re

AIMED_AT_MODEL = re.compile(
    r"(?i)\b(?:AI|A\.I\.|LLM|GPT|ChatGPT|Claude|chat\s?bot|language\s+model|AI\s+model"
    r"|(?:AI|virtual|digital)\s+assistant)\b"
    r"|\b(?:ignore|disregard|forget|override|bypass)\b"
    r"|\b(?:system|hidden|initial|original)\s+(?:prompt|instructions?|message)"
    r"|\byour\s+(?:instructions?|rules|guidelines|prompt|programming|answer|response|reply"
    r"|summary|output|task|role)\b"
    r"|\bwhen\s+(?:you\s+)?(?:summari[sz]|answer|respond|read|process|translat|analy[sz])\w*"
    r"|\b(?:tell|inform|convince|instruct|ask)\s+the\s+user\b|\bthe\s+user\s+(?:that|to)\b"
    r"|\bdo\s+not\s+(?:tell|inform|mention|reveal|show)\b|\bnew\s+(?:instructions?|task|rules)\b"
    r"|\byou\s+(?:are|will)\s+now\b|\bfrom\s+now\s+on\b|\bact\s+as\b|\bpretend\b|\bjailbreak"
    r"|(?:^|\n)\s*(?:system|assistant|user)\s*:|\[/?(?:INST|SYS|SYSTEM)\]|<<\s*SYS\s*>>"
    r"|<\|[a-z_]+\|>|#{2,}\s*(?:instruction|system|response)"
    r"|人工智能|\bAI\b|助手|语言模型|大模型|机器人|忽略|无视|忘记|忘掉|覆盖|系统提示|提示词|指令"
    r"|你的(?:回答|回复|总结|输出|任务|角色|设定|规则)|(?:告诉|通知|说服|要求)用户|不要(?:告诉|透露|提及)"
    r"|在(?:回答|回复|总结|翻译|处理|阅读)(?:时|的时候)|从现在(?:起|开始)|扮演|假装|越狱"
)


def aimed_at_model(text: str) -> bool:
    """Whether a stretch of a document speaks to the model rather than to its human reader."""
    return AIMED_AT_MODEL.search(text) is not None
