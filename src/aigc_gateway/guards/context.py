"""Where a text sits changes what an instruction in it means.

A user turn is the user speaking to the model: an instruction there is judged as it stands. A
document (a tool result, a retrieved passage, a tool's description) is text the model reads
on someone's behalf: instructions in it are normally meant for its human reader ("If you have
any questions just reply to this email") and are no attack on the model. In a document, a
classifier finding counts only where the flagged text is aimed at the model itself: it
addresses an AI (talking *about* AI is no address), names the model's instructions, prompt or
answer, tells the model what to tell the user, or carries chat-template and role markers.
Detectors opt in with ``document_roles`` in their registration (:mod:`.detectors`).
"""

from __future__ import annotations

import re

AI_NOUN_EN = (
    r"(?:AI|A\.I\.|LLM|GPT|ChatGPT|Claude|chat\s?bot|(?:large\s+)?language\s+model|AI\s+model"
    r"|(?:AI|virtual|digital)\s+(?:assistant|agent)|assistant|agent|model)"
)
AI_NOUN_ZH = r"(?:人工智能|AI|助手|语言模型|大模型|模型|机器人|智能体|代理)"
AIMED_AT_MODEL = re.compile(
    # speaking to an AI, not about one: "AI assistant:", "Note to the AI reading this",
    # "If you are an LLM", "Dear AI", "Attention ChatGPT"; a topic word alone ("this language
    # model was trained on...", "提示词工程") is no address
    rf"(?i)(?:^|[\n.!?>\-\[(]|\b(?:dear|attention|hey|hi|hello|note\s+to|message\s+to"
    rf"|instructions?\s+(?:to|for)|for)\s+(?:the\s+|any\s+|all\s+)?)\s*{AI_NOUN_EN}"
    rf"(?:\s*/\s*\w+)*\s*(?:[:,]|\b(?:reading|processing|summari[sz]ing|listen)\b)"
    rf"|\b(?:if|when)\s+you\s+are\s+(?:an?\s+|the\s+)?{AI_NOUN_EN}\b"
    rf"|\bas\s+an?\s+{AI_NOUN_EN}\b"
    r"|\b(?:ignore|disregard|forget|override|bypass)\b"
    r"|\b(?:reveal|print|repeat|output|show|leak)\s+(?:\w+\s+){0,2}(?:system|hidden|initial|original)"
    r"\s+(?:prompt|instructions?|message)"
    r"|\byour\s+(?:instructions?|rules|guidelines|prompt|programming|answer|response|reply"
    r"|summary|output|task|role|safety)\b"
    r"|\bwhen\s+(?:you\s+)?(?:summari[sz]|answer|respond|read|process|translat|analy[sz])\w*"
    r"|\b(?:tell|inform|convince|instruct|ask)\s+the\s+user\b|\bthe\s+user\s+(?:that|to|has)\b"
    r"|\bdo\s+not\s+(?:tell|inform|mention|reveal|show|summari[sz]e)\b"
    r"|\bnew\s+(?:instructions?|task|rules)\b"
    r"|\byou\s+(?:are|will|must)\s+now\b|\bfrom\s+now\s+on\b|\bact\s+as\b|\bpretend\b"
    r"|(?:^|\n)\s*(?:system|assistant|user)\s*:|\[/?(?:INST|SYS|SYSTEM)\]|<<\s*SYS\s*>>"
    r"|<\|[a-z_]+\|>|#{2,}\s*(?:new\s+)?(?:instruction|system|response)"
    rf"|(?:致|给|注意|请注意|提醒){AI_NOUN_ZH}|{AI_NOUN_ZH}(?:请注意|注意|[：:，,]\s*请)"
    rf"|(?:如果|若|假如)你是(?:一个)?{AI_NOUN_ZH}|作为(?:一个)?{AI_NOUN_ZH}"
    rf"|(?:正在|负责)(?:阅读|处理|总结)[^。\n]{{0,12}}{AI_NOUN_ZH}"
    r"|忽略|无视|忘记|忘掉|【系统(?:指令|提示)】|新的?指令"
    r"|(?:输出|打印|重复|透露|显示|告诉我)(?:你的)?(?:系统)?提示词"
    r"|你的(?:回答|回复|总结|输出|任务|角色|设定|规则|系统提示)|(?:告诉|通知|说服|要求)用户|不要(?:告诉|透露|提及)"
    r"|用户已经?授权|在(?:回答|回复|总结|翻译|处理|阅读)(?:时|的时候)|从现在(?:起|开始)"
    r"|你(?:现在)?(?:要|将|必须)?扮演|假装你|你假装|你现在必须|越狱模式"
    r"|请(?:你)?扮演|将(?:你|自己)设定为|以(?:这个|该|此)角色的(?:语气|口吻|身份)"
)


def aimed_at_model(text: str) -> bool:
    """Whether a stretch of a document speaks to the model rather than to its human reader."""
    return AIMED_AT_MODEL.search(text) is not None
